"""The trading page by keyboard (B, S, Esc, Tab) and on one 1440x900 screen, in real Chromium."""

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess

# What has the focus, as the names the form's controls can be told apart by.
FOCUSED = """
const e = document.activeElement;
if (!e) return '';
const marked = e.closest('[data-field]') || e.querySelector('[data-field]');
if (marked) return marked.getAttribute('data-field');
if (e.closest('.place-order')) return 'place';
if (e.closest('.order-side')) return 'side:' + e.innerText.trim();
if (e.closest('.order-type')) return 'type:' + e.innerText.trim();
return e.tagName.toLowerCase();
"""
# The bounding box of every element matching a selector, in viewport pixels.
RECTS = """
return [...document.querySelectorAll(arguments[0])].map(element => {
  const r = element.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
});
"""


@pytest.fixture
def page(server: ServerProcess, open_page: OpenPage, new_trader: NewTrader) -> MarketPage:
    return open_page(server.base_url).sign_in(new_trader().username, PASSWORD).open("BTC-USD")


def press_outside_the_fields(page: MarketPage, key: str) -> None:
    page.driver.execute_script("document.activeElement && document.activeElement.blur();")
    ActionChains(page.driver).send_keys(key).perform()


def place_button(page: MarketPage) -> str:
    return str(page.driver.find_element(By.CSS_SELECTOR, ".place-order").text)


def field_value(page: MarketPage, field: str) -> str:
    return str(page.driver.find_element(By.CSS_SELECTOR, f'input[data-field="{field}"]').get_attribute("value"))


def test_s_switches_the_form_to_sell_and_b_back_to_buy(page: MarketPage) -> None:
    press_outside_the_fields(page, "s")
    eventually(lambda: place_button(page), lambda text: text.upper() == "SELL BTC", "the Sell button")

    press_outside_the_fields(page, "b")
    eventually(lambda: place_button(page), lambda text: text.upper() == "BUY BTC", "the Buy button")


def test_b_and_s_typed_into_a_field_do_not_switch_the_side(page: MarketPage) -> None:
    page.driver.find_element(By.CSS_SELECTOR, 'input[data-field="price"]').send_keys("s")

    eventually(lambda: field_value(page, "price"), lambda value: value == "s", "the typed s in the price")
    assert place_button(page).upper() == "BUY BTC"


def test_esc_in_a_field_clears_the_price_and_quantity(page: MarketPage) -> None:
    page.fill("price", "181.25")
    page.fill("quantity", "0.0100")

    page.driver.find_element(By.CSS_SELECTOR, 'input[data-field="quantity"]').send_keys(Keys.ESCAPE)

    eventually(lambda: (field_value(page, "price"), field_value(page, "quantity")), lambda v: v == ("", ""), "empty")


def test_esc_outside_the_fields_clears_the_form_too(page: MarketPage) -> None:
    page.fill("price", "181.25")

    press_outside_the_fields(page, Keys.ESCAPE)

    eventually(lambda: field_value(page, "price"), lambda value: value == "", "an empty price")


def test_tab_reaches_every_control_of_the_order_form(page: MarketPage) -> None:
    page.driver.find_element(By.CSS_SELECTOR, ".order-side button").click()  # the Buy half of the side toggle
    reached = []
    for _ in range(15):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        reached.append(page.driver.execute_script(FOCUSED))

    expected = ["side:Sell", "type:Limit", "type:Market", "price", "quantity", "time_in_force", "post_only", "place"]
    assert [name for name in reached if name in expected][: len(expected)] == expected, reached


@pytest.fixture
def screen_1440x900(page: MarketPage) -> Iterator[MarketPage]:
    """The page on a 1440x900 viewport; the reused browser gets its own size back afterwards."""
    page.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        yield page
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_on_1440x900_the_book_chart_form_and_open_orders_show_without_scrolling(
    screen_1440x900: MarketPage, new_trader: NewTrader
) -> None:
    page = screen_1440x900
    maker, taker = new_trader(), new_trader()
    for _ in range(20):  # a full trades tape: the page is as tall as it gets
        place(maker, "sell", "150.00", "0.0100")
        place(taker, "buy", "150.00", "0.0100")
    eventually(
        lambda: len(page.driver.find_elements(By.CSS_SELECTOR, ".trades-tape tbody tr")),
        lambda n: n >= 20,
        "a full tape",
    )
    assert page.driver.execute_script("return [innerWidth, innerHeight];") == [1440, 900]
    for css in (".ob-asks", ".ob-bids", ".last-price", ".candles-chart", ".order-form", ".place-order",
                ".my-open-orders", ".balances", ".max-quantity", ".market-rules"):  # fmt: skip
        boxes = eventually(lambda css=css: page.driver.execute_script(RECTS, css), bool, f"{css} on the page")
        for box in boxes:
            inside = box["left"] >= 0 and box["top"] >= 0 and box["right"] <= 1440 and box["bottom"] <= 900
            assert inside and box["bottom"] > box["top"], f"{css} at {box}, outside the 1440x900 viewport"
    assert page.driver.execute_script("return scrollY;") == 0
    # Nothing below to scroll to either: the full tape shows the rows that fit beside the other columns.
    assert page.driver.execute_script("return document.documentElement.scrollHeight;") <= 900


# The header: one element with a native market selector and a theme toggle that this browser remembers.
THEME = """
const body = document.body.classList;
return body.contains('body--dark') ? 'dark' : body.contains('body--light') ? 'light' : '';
"""


def theme_after_reload(page: MarketPage) -> str:
    page.driver.refresh()
    page.wait_until_connected()
    return str(page.driver.execute_script(THEME))


def test_the_theme_toggle_switches_at_once_and_this_browser_keeps_the_choice(
    server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_page(server.base_url).open("BTC-USD")
    assert page.driver.execute_script(THEME) == "dark"

    page.driver.find_element(By.CSS_SELECTOR, "header .theme-toggle").click()

    assert page.driver.execute_script(THEME) == "light"
    # The server keeps the choice once the toggle's message reached it: reload until a reload shows it.
    eventually(lambda: theme_after_reload(page), "light".__eq__, "light after a reload")
    page.driver.find_element(By.CSS_SELECTOR, "header .theme-toggle").click()
    eventually(lambda: theme_after_reload(page), "dark".__eq__, "dark again after a reload")


def test_the_market_selector_is_reached_by_keyboard_and_opens_the_chosen_market(
    server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_page(server.base_url).open("BTC-USD")
    selector = page.driver.find_element(By.CSS_SELECTOR, "header select.market-selector")
    assert selector.get_attribute("value") == "BTC-USD"
    page.driver.find_element(By.CSS_SELECTOR, "header .app-logo").send_keys(Keys.TAB)
    assert page.driver.execute_script("return document.activeElement.classList.contains('market-selector');")

    Select(selector).select_by_value("ETH-USD")

    eventually(lambda: page.driver.current_url, lambda url: url.endswith("/market/ETH-USD"), "the ETH-USD page")
    page.wait_until_connected()
    shown = page.driver.find_element(By.CSS_SELECTOR, "header select.market-selector").get_attribute("value")
    assert shown == "ETH-USD"
