"""What only a browser shows of the trading page: Enter, where toasts go, error lines, the API key, offline dimming."""

import re
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage
from tests.browser.pages import MarketPage, eventually
from tests.browser.tcp_proxy import TcpProxy
from tests.servers import ServerProcess, unique_username

RECONNECT_WAIT = 20.0  # socket.io's back-off after a restore (see test_fallbacks.py)
# The page-space rectangle of the first element matching a selector.
RECT = """
const element = document.querySelector(arguments[0]);
if (!element) return null;
const r = element.getBoundingClientRect();
return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
"""
# The same for a form field's q-field (NiceGUI puts data-field on the <input> or on the q-field itself) or a part of it.
FIELD_RECT = """
const marked = document.querySelector(`[data-field="${arguments[0]}"]`);
const field = marked && marked.closest('.q-field');
const element = field && (arguments[1] ? field.querySelector(arguments[1]) : field);
if (!element) return null;
const r = element.getBoundingClientRect();
return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
"""


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[TcpProxy]:
    with TcpProxy(server.port) as running:
        yield running


def rect(page: MarketPage, css: str) -> dict[str, float]:
    return eventually(lambda: page.driver.execute_script(RECT, css), bool, f"{css} on the page")


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def signed_in_page(server: ServerProcess, open_page: OpenPage, new_trader: NewTrader) -> MarketPage:
    return open_page(server.base_url).sign_in(new_trader().username, PASSWORD).open("BTC-USD")


def test_enter_in_the_quantity_field_places_the_order(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    page = signed_in_page(server, open_page, new_trader)
    page.fill("price", "181.25")
    page.fill("quantity", "0.0100")

    page.driver.find_element(By.CSS_SELECTOR, 'input[data-field="quantity"]').send_keys(Keys.ENTER)

    assert page.wait_for_open_order("181.25").status == "open"


def test_a_placed_order_toasts_in_green_at_the_top_clear_of_the_open_orders(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    page = signed_in_page(server, open_page, new_trader)

    page.place_order("sell", price="182.50", quantity="0.0100")

    toast = rect(page, ".q-notification.toast-positive")
    assert toast["top"] < 120, toast
    page.wait_for_open_order("182.50")
    assert not overlap(toast, rect(page, ".my-open-orders")), "the toast covers the open orders"


def test_a_long_error_pushes_the_next_field_down_instead_of_running_under_it(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    page = signed_in_page(server, open_page, new_trader)

    page.place_order("buy", price="0.10", quantity="0.1000")

    assert page.wait_for_field_error("quantity") == "order value 0.01 USD is below the minimum notional 1.00 USD"
    message = eventually(lambda: page.driver.execute_script(FIELD_RECT, "quantity", ".q-field__messages"), bool, "msg")
    next_field = eventually(lambda: page.driver.execute_script(FIELD_RECT, "time_in_force", ""), bool, "next field")
    assert message["bottom"] <= next_field["top"], (message, next_field)


def test_the_api_key_is_not_covered_by_its_copy_button(server: ServerProcess, open_page: OpenPage) -> None:
    page = open_page(server.base_url)
    page.driver.get(f"{server.base_url}/register")
    page.fill("username", unique_username("key"))
    page.fill("password", PASSWORD)
    page.driver.find_element(By.CSS_SELECTOR, ".register-button").click()

    key = rect(page, ".api-key code")
    button = rect(page, ".api-key .nicegui-code-copy")
    assert not overlap(key, button), (key, button)
    assert page.driver.find_elements(By.CSS_SELECTOR, "header .trader-name"), "the header still offers to sign in"


def test_offline_the_page_is_dimmed_and_says_since_when(
    server: ServerProcess, proxy: TcpProxy, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    page = open_page(proxy.base_url).sign_in(trader.username, PASSWORD).open("BTC-USD")
    page.wait_for_connection("Live")
    assert page.page_opacity() == 1.0

    proxy.cut()

    page.wait_for_connection("Offline")
    assert re.fullmatch(r"Offline since \d\d:\d\d:\d\d UTC", page.connection_text()), page.connection_text()
    eventually(page.page_opacity, lambda opacity: opacity < 0.6, "the stale page to dim")
    assert not overlap(rect(page, "#connection-indicator"), rect(page, "header .account button")), "covers Sign out"
    proxy.restore()
    page.wait_for_connection("Live", timeout=RECONNECT_WAIT)
    eventually(page.page_opacity, lambda opacity: opacity == 1.0, "the page in full colour again")
    assert page.connection_text() == "Live"


def test_after_a_cancel_the_row_under_the_pointer_stays_greyed_and_leaves_once_the_pointer_does(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    page = signed_in_page(server, open_page, new_trader)
    page.place_order("buy", price="90.10", quantity="0.0200")
    lower = page.wait_for_open_order("90.10")
    page.place_order("buy", price="90.20", quantity="0.0200")
    upper = page.wait_for_open_order("90.20")
    assert [order.id for order in page.open_orders()] == [upper.id, lower.id]
    next_cancel = ".my-open-orders tbody tr:nth-child(2) .cancel-order"
    # A window taller than the page: a click that scrolls it, or the page getting shorter below while scrolled to its
    # end, would move every Cancel under the pointer, which is not what this test is about.
    size = page.driver.get_window_size()
    page.driver.set_window_size(size["width"], 1600)
    before = rect(page, next_cancel)

    page.cancel_order(upper.id)

    shown = eventually(page.open_orders, lambda orders: orders[0].status == "cancelled", "the row to read cancelled")
    assert [order.id for order in shown] == [upper.id, lower.id]
    assert rect(page, next_cancel) == before, "the next Cancel moved under the pointer"
    assert page.driver.find_elements(By.CSS_SELECTOR, ".my-open-orders tr.cancelled-row .cancelled-mark")
    ActionChains(page.driver).move_to_element(page.driver.find_element(By.CSS_SELECTOR, ".place-order")).perform()
    page.wait_for_no_open_order(upper.id)
    assert [order.id for order in page.open_orders()] == [lower.id]
    page.driver.set_window_size(size["width"], size["height"])
