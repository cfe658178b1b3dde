"""A trader signs in, places an order through the form, sees it, cancels it; a bad price is caught beside its field."""

import httpx

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage
from tests.servers import ServerProcess, unique_username


def test_registering_through_the_page_shows_a_working_api_key_and_signs_the_trader_in(
    server: ServerProcess, open_page: OpenPage
) -> None:
    username = unique_username("web")
    page = open_page(server.base_url)

    api_key = page.register(username, PASSWORD)

    assert page.trader_name() == username
    response = httpx.get(f"{server.base_url}/api/orders", headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_signing_in_shows_the_traders_name_in_the_header(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    page = open_page(server.base_url).open("BTC-USD")
    assert page.trader_name() == ""

    page.sign_in(trader.username, PASSWORD)

    assert page.trader_name() == trader.username


def test_a_signed_in_trader_places_an_order_through_the_form_and_cancels_it(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    page = open_page(server.base_url).sign_in(trader.username, PASSWORD).open("BTC-USD")

    page.place_order("sell", price="183.45", quantity="0.0125")
    order = page.wait_for_open_order("183.45")
    assert (order.side, order.quantity, order.status) == ("sell", "0.0125", "open")
    page.wait_for_level("asks", "183.45", "0.0125")

    page.cancel_order(order.id)
    page.wait_for_no_open_order(order.id)
    page.wait_for_no_level("asks", "183.45")
    stored = trader.client.get(f"/api/orders/{order.id}").json()
    assert stored["status"] == "cancelled"


def test_a_price_off_the_tick_is_shown_beside_the_price_field_and_nothing_is_placed(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    page = open_page(server.base_url).sign_in(trader.username, PASSWORD).open("BTC-USD")
    book_before = page.book()

    page.place_order("buy", price="100.001", quantity="0.5")

    assert "tick" in page.wait_for_field_error("price")
    assert page.field_error("quantity") == ""
    assert trader.client.get("/api/orders", params={"status": "all"}).json() == []
    assert page.open_orders() == []
    assert page.book() == book_before
