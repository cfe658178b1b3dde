"""What only the UI can count reaches the metrics through what it registered, not through a module's global."""

import pytest

from app.observability import pages


@pytest.fixture(autouse=True)
def no_registrations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "_counts", {})


def test_a_count_no_ui_registered_is_zero() -> None:
    assert pages.page_count("tab_storages") == 0


def test_the_metrics_read_the_count_the_ui_registered_at_the_time_they_ask() -> None:
    open_pages = ["tab one", "tab two"]
    pages.count_pages_with("pages", lambda: len(open_pages))
    assert pages.page_count("pages") == 2
    open_pages.pop()
    assert pages.page_count("pages") == 1


def test_an_app_mounted_again_replaces_its_count_rather_than_adding_one() -> None:
    pages.count_pages_with("subscriptions", lambda: 3)
    pages.count_pages_with("subscriptions", lambda: 5)
    assert pages.page_count("subscriptions") == 5
