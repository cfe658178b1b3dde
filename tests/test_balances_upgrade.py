"""A database made by the code before balances (revision 0003), with resting orders, upgrades and trades on.

The upgrade credits each trader with resting orders exactly what they can still spend, held, as an "opening" ledger
entry: so the money invariants hold on the upgraded database, and keep holding as trading goes on with fees.
"""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from tests.funds import check_invariants
from tests.legacy import (
    BEFORE_BALANCES_COMMIT,
    HEAD_REVISION,
    Before,
    History,
    as_served_before_fees,
    client,
    deposit,
    everything_served,
    made_by,
    place,
    stored_revision,
)
from tests.servers import ServerProcess, serving

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def before(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Before:
    return made_by(BEFORE_BALANCES_COMMIT, "0003", database_url, tmp_path_factory.mktemp("before"))


@pytest.fixture(scope="module")
def upgraded(before: Before, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with serving(ServerProcess(before.url, tmp_path_factory.mktemp("log") / "new.log").start()) as server:
        yield server


def trader_ids(url: str, history: History) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            ids = {row.username: row.id for row in connection.execute(text("SELECT username, id FROM traders"))}
    finally:
        engine.dispose()
    return {name: ids[username] for name, username in history.usernames.items()}


def balances_of(server: ServerProcess, api_key: str) -> dict[str, tuple[str, str]]:
    with client(server.base_url, api_key) as trader:
        answer = trader.get("/api/balances")
    assert answer.status_code == 200, answer.text
    return {row["asset"]: (row["available"], row["held"]) for row in answer.json()}


def test_the_upgrade_serves_the_history_unchanged_and_holds_exactly_what_resting_orders_can_spend(
    before: Before, upgraded: ServerProcess
) -> None:
    assert stored_revision(before.url) == HEAD_REVISION
    assert "Running upgrade 0003 -> 0004" in upgraded.log()
    assert as_served_before_fees(everything_served(upgraded.base_url, before.history)) == before.served
    balances = check_invariants(before.url)
    ids = trader_ids(before.url, before.history)
    # Resting since before: alice sells 0.2000 BTC at 105.00; bob bids 0.3000 at 98.00 and offers 0.500 ETH;
    # carol bids 0.100 ETH at 1990.00. A buy holds its value plus the 10 bps maker fee.
    assert {key: value for key, value in balances.items() if value[1]} == {
        (ids["alice"], "BTC"): (Decimal(0), Decimal("0.2")),
        (ids["bob"], "USD"): (Decimal(0), Decimal("29.4294")),
        (ids["bob"], "ETH"): (Decimal(0), Decimal("0.5")),
        (ids["carol"], "USD"): (Decimal(0), Decimal("199.199")),
    }
    assert all(available == 0 for available, _ in balances.values())
    assert balances_of(upgraded, before.history.traders["bob"]) == {
        "BTC": ("0.0000", "0.0000"),
        "ETH": ("0.000", "0.500"),
        "USD": ("0.000000", "29.429400"),
    }


def test_trading_goes_on_after_the_upgrade_with_fees_and_the_invariants_hold(
    before: Before, upgraded: ServerProcess
) -> None:
    funded = deposit(before.url, before.history.usernames["carol"], "USD", "1000")
    assert funded.returncode == 0, funded.stderr
    with client(upgraded.base_url, before.history.traders["carol"]) as carol:
        taker = place(carol, symbol="BTC-USD", side="buy", price="105.00", quantity="0.1000")
    assert taker["status"] == "filled"  # against alice's ask, resting since before the upgrade
    assert [(fill["fee"], fill["fee_asset"]) for fill in taker["trades"]] == [("0.021000", "USD")]  # 20 bps of 10.50
    carol_usd = balances_of(upgraded, before.history.traders["carol"])["USD"]
    assert carol_usd == ("989.479000", "199.199000")  # 1000 - 10.50 - 0.021; the ETH bid still held
    alice = balances_of(upgraded, before.history.traders["alice"])
    assert alice["BTC"] == ("0.0000", "0.1000") and alice["USD"] == ("10.489500", "0.000000")  # 10.50 - 10 bps
    with client(upgraded.base_url, before.history.traders["bob"]) as bob:
        cancelled = bob.delete("/api/orders", params={"symbol": "BTC-USD"})
    assert cancelled.status_code == 200 and len(cancelled.json()) == 1
    assert balances_of(upgraded, before.history.traders["bob"])["USD"] == ("29.429400", "0.000000")
    check_invariants(before.url)
