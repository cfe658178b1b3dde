"""A trader with nothing to trade with is told how funds arrive, on a venue that credits nobody on registration."""

from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from app.settings import Settings, load_settings
from tests.components.conftest import PASSWORD, Desk
from tests.components.test_balances_and_cost import leave

DEPOSIT = ".venv/bin/python main.py deposit {} USD 1000"


def hint(user: User) -> ui.label:
    """The balances panel's hint, shown or not (`user.find` sees only what shows)."""
    [label] = [e for e in user.current_layout.descendants() if isinstance(e, ui.label) and "funding-hint" in e.classes]
    return label


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No ORDERBOOK_STARTING_BALANCES: new traders start with nothing."""
    return load_settings(
        [],
        {"DATABASE_URL": f"sqlite:///{(tmp_path / 'orderbook.db').resolve()}", "STORAGE_SECRET": "component-secret"},
    )


async def test_a_trader_with_nothing_sees_the_deposit_command_as_it_runs_in_the_balances_panel(
    user: User, desk: Desk
) -> None:
    alice = await desk.sign_in("alice")

    await desk.shows(lambda: hint(user).visible, True)
    assert DEPOSIT.format("alice") in hint(user).text

    await leave(alice, "USD", "1000")  # as the deposit command does: the page hears of it
    await desk.shows(lambda: hint(user).visible, False)


async def test_registering_says_the_balances_start_at_zero_and_how_an_operator_deposits(user: User) -> None:
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("newbie")
    user.find(kind=ui.input, content="Password").type(PASSWORD)

    user.find(kind=ui.button, content="Register").click()

    await user.should_see("Your balances start at 0", retries=50)
    await user.should_see(DEPOSIT.format("newbie"))
