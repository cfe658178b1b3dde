"""A database made by the code before the journal (revision 0002) upgrades to it, and trading goes on.

The old code trades a history and stops; two current processes then start on the database (the first upgrades it),
serve the history unchanged, and a trade on one reaches the other's book through the journal.
"""

from collections.abc import Iterator

import httpx
import pytest

from tests.legacy import (
    BEFORE_JOURNAL_COMMIT,
    HEAD_REVISION,
    Before,
    as_served_before_fees,
    client,
    deposit,
    everything_served,
    made_by,
    place,
    stored_revision,
)
from tests.servers import ServerProcess, serving
from tests.test_cross_instance import NO_POLL, catch_ups, until

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def before(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Before:
    return made_by(BEFORE_JOURNAL_COMMIT, "0002", database_url, tmp_path_factory.mktemp("before"))


@pytest.fixture(scope="module")
def upgraded(before: Before, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    logs = tmp_path_factory.mktemp("logs")
    a, b = (ServerProcess(before.url, logs / f"{name}.log", environment=NO_POLL) for name in "ab")
    with serving(a.start()), serving(b.start()):
        yield a, b


def test_the_first_process_upgrades_to_the_journal_and_both_serve_the_history_unchanged(
    before: Before, upgraded: tuple[ServerProcess, ServerProcess]
) -> None:
    a, b = upgraded
    assert stored_revision(before.url) == HEAD_REVISION
    assert "Running upgrade 0002 -> 0003" in a.log()
    assert as_served_before_fees(everything_served(a.base_url, before.history)) == before.served
    assert as_served_before_fees(everything_served(b.base_url, before.history)) == before.served


def test_a_trade_after_the_upgrade_reaches_the_other_process_through_the_journal(
    before: Before, upgraded: tuple[ServerProcess, ServerProcess]
) -> None:
    a, b = upgraded
    funded = deposit(before.url, before.history.usernames["carol"], "USD", "1000")
    assert funded.returncode == 0, funded.stderr
    journal, reloads = catch_ups(b, "journal"), catch_ups(b, "reload")
    with client(a.base_url, before.history.traders["carol"]) as carol:
        taker = place(carol, symbol="BTC-USD", side="buy", price="105.00", quantity="0.1000")
    assert taker["status"] == "filled"  # against alice's ask, resting since before the upgrade
    until(lambda: catch_ups(b, "journal") > journal)
    assert catch_ups(b, "reload") == reloads
    books = [httpx.get(f"{s.base_url}/api/markets/BTC-USD/book", timeout=10).json() for s in (a, b)]
    assert books[0] == books[1]
    assert {"price": "105.00", "quantity": "0.1000", "orders": 1} in books[1]["asks"]
