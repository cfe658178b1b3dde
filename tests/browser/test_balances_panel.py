"""The balances panel in real Chromium: an order's hold shows when it is placed and goes back; deposits show live."""

import contextlib
from decimal import Decimal
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, StartServer
from tests.browser.pages import eventually
from tests.legacy import deposit
from tests.servers import ServerProcess, postgres_database, register_trader, sqlite_url


def test_a_funded_trader_placing_an_order_sees_its_hold_in_the_balances_panel(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    me = new_trader()  # funded by the test server's ORDERBOOK_STARTING_BALANCES
    page = open_page(server.base_url).sign_in(me.username, PASSWORD).open("BTC-USD")
    before = eventually(page.balances, lambda shown: "USD" in shown, "the balances panel")
    assert before["USD"][1] == "0.00"

    page.place_order("buy", "100.00", "0.5000")

    # 50.00 USD and the 10 bps maker fee it may pay resting: held, no longer available.
    after = eventually(page.balances, lambda shown: shown["USD"][1] == "50.05", "the order's hold in the panel")
    assert Decimal(before["USD"][0]) - Decimal(after["USD"][0]) == Decimal("50.05")
    assert after["BTC"] == before["BTC"]
    held = {row["asset"]: row["held"] for row in me.client.get("/api/balances").json()}
    assert Decimal(held["USD"]) == Decimal("50.05")

    page.cancel_order(page.wait_for_open_order("100.00").id)

    eventually(page.balances, lambda shown: shown["USD"] == before["USD"], "the hold released in the panel")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_deposit_by_the_operators_command_shows_on_the_traders_open_page_without_a_reload(
    engine: str, server_factory: StartServer, open_page: OpenPage, tmp_path: Path
) -> None:
    with contextlib.ExitStack() as stack:
        url = sqlite_url(tmp_path / "deposit.db") if engine == "sqlite" else stack.enter_context(postgres_database())
        # No safety poll within the test: the deposit must come through NOTIFY (PostgreSQL) or data_version (SQLite).
        server = server_factory(url, ORDERBOOK_POLL_INTERVAL="3600")
        stack.callback(server.stop)  # before the database goes
        me = register_trader(server.base_url)
        stack.callback(me.client.close)
        page = open_page(server.base_url).sign_in(me.username, PASSWORD).open("BTC-USD")
        before = eventually(page.balances, lambda shown: "USD" in shown, "the balances panel")
        loaded = page.driver.execute_script("return performance.timeOrigin")

        done = deposit(url, me.username, "USD", "12.34")  # another process, writing the database
        assert done.returncode == 0, done.stderr

        credited = str(Decimal(before["USD"][0]) + Decimal("12.34"))
        eventually(page.balances, lambda shown: shown["USD"][0] == credited, "the deposit in the open page's panel")
        assert page.driver.execute_script("return performance.timeOrigin") == loaded  # the same page, not reloaded


READ_TITLES = """
return [...document.querySelectorAll('.balances tbody tr')].map(
  row => [...row.querySelectorAll(':scope > td')].map((cell, i) => i ? cell.title : cell.innerText.trim()));
"""


def test_the_panel_cuts_a_quote_balance_to_cents_and_its_tooltip_shows_every_decimal(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    me = new_trader()
    done = deposit(server.database_url, me.username, "USD", "0.009999")  # a fee's 6 decimals: not a whole cent
    assert done.returncode == 0, done.stderr
    page = open_page(server.base_url).sign_in(me.username, PASSWORD).open("BTC-USD")

    shown = eventually(page.balances, lambda shown: "USD" in shown, "the balances panel")
    assert shown["USD"] == ("1000000000000.00", "0.00")  # cut, not rounded up to .01
    titles = {cells[0]: cells[1:] for cells in page.driver.execute_script(READ_TITLES)}
    assert titles["USD"] == ["1000000000000.009999", "0.000000"]
    assert titles["BTC"] == ["1000000.0000", "0.0000"]
