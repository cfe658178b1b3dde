"""The book stays live in every open tab: changes from another tab and from the API arrive without a reload."""

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place
from tests.servers import ServerProcess


def test_an_order_placed_in_one_tab_appears_in_another_and_its_cancel_removes_it(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    watching = open_page(server.base_url).open("BTC-USD")
    watching.mark_document()
    trading = open_page(server.base_url).sign_in(trader.username, PASSWORD).open("BTC-USD")

    trading.place_order("buy", price="91.13", quantity="0.3")
    watching.wait_for_level("bids", "91.13", "0.3000")

    order = trading.wait_for_open_order("91.13")
    trading.cancel_order(order.id)
    watching.wait_for_no_level("bids", "91.13")
    assert watching.document_is_marked(), "the watching tab reloaded instead of updating in place"


def test_an_order_placed_through_the_api_appears_in_an_open_tab(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    page = open_page(server.base_url).open("BTC-USD")
    page.mark_document()

    place(trader, "sell", price="152.37", quantity="0.125")

    page.wait_for_level("asks", "152.37", "0.1250")
    assert page.document_is_marked(), "the tab reloaded instead of updating in place"


def test_an_empty_market_says_so_until_its_first_order_arrives(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    page = open_page(server.base_url).open("ETH-USD")  # no test in this module trades ETH-USD
    for table, text in (("ob-asks", "No asks"), ("ob-bids", "No bids"), ("trades-tape", "No trades yet")):
        page.wait_for_empty_message(table, text)

    place(new_trader(), "sell", price="2001.50", quantity="0.25", symbol="ETH-USD")

    page.wait_for_level("asks", "2001.50", "0.250")
    page.wait_for_empty_message("ob-asks", "")
    assert page.empty_message("ob-bids") == "No bids"
