"""The balances panel in real Chromium: what an order holds shows as soon as the order is placed, and goes back."""

from decimal import Decimal

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage
from tests.browser.pages import eventually
from tests.servers import ServerProcess


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
