"""The trading page on a 400x900 phone, in real Chromium: one section per tab, the order form stuck to the bottom."""

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess

WIDTH, HEIGHT = 400, 900
# What each tab shows; every other tab's element is hidden meanwhile.
SHOWN_BY_TAB = {"book": ".ob-bids", "chart": ".candles-chart", "trades": ".trades-tape", "orders": ".my-open-orders"}
RECT = """
const e = document.querySelector(arguments[0]);
if (!e) return null;
const r = e.getBoundingClientRect();
return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
"""
# Every shown table and card that is wider inside than it is (it would scroll or clip sideways).
WIDER_INSIDE = """
return [...document.querySelectorAll('.q-table__middle, .q-table, .q-card, .q-page')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth)
  .map(e => `${e.className.split(' ').slice(0, 3).join('.')}: ${e.scrollWidth} > ${e.clientWidth}`);
"""
# Whether the element at the middle of the indicator is the indicator (not something drawn over it).
INDICATOR_ON_TOP = """
const indicator = document.getElementById('connection-indicator');
const r = indicator.getBoundingClientRect();
const inside = r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight && r.width > 0;
const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
return inside && indicator.contains(hit);
"""


@pytest.fixture
def phone(server: ServerProcess, open_page: OpenPage, new_trader: NewTrader) -> Iterator[MarketPage]:
    """A signed-in trader's market page on a 400x900 phone screen; the reused browser gets its size back after."""
    page = open_page(server.base_url).sign_in(new_trader().username, PASSWORD).open("BTC-USD")
    page.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        eventually(
            lambda: page.driver.execute_script("return [innerWidth, innerHeight];"), [WIDTH, HEIGHT].__eq__, "400x900"
        )
        yield page
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def choose_tab(page: MarketPage, name: str) -> None:
    """Tap a tab and wait until its section is the one shown."""
    page.driver.find_element(By.CSS_SELECTOR, f'.market-tabs .q-tab[data-tab="{name}"]').click()
    eventually(lambda: shown_sections(page), lambda shown: shown == [name], f"only the {name} tab's section")


def shown_sections(page: MarketPage) -> list[str]:
    return [tab for tab, css in SHOWN_BY_TAB.items() if page.driver.find_element(By.CSS_SELECTOR, css).is_displayed()]


def box(page: MarketPage, css: str) -> dict[str, float]:
    found = page.driver.execute_script(RECT, css)
    assert found is not None, f"no {css} on the page"
    return dict(found)


def on_screen(found: dict[str, float]) -> bool:
    return found["left"] >= 0 and found["top"] >= 0 and found["right"] <= WIDTH and found["bottom"] <= HEIGHT


def test_on_a_phone_each_tab_shows_its_own_section_and_hides_the_others(phone: MarketPage) -> None:
    eventually(lambda: shown_sections(phone), lambda shown: shown == ["book"], "the book first")
    for name in ("chart", "trades", "orders", "book"):
        choose_tab(phone, name)
        assert phone.driver.find_element(By.CSS_SELECTOR, ".place-order").is_displayed(), f"no form under {name}"


def test_the_book_tab_shows_both_sides_and_the_order_form_without_scrolling(
    phone: MarketPage, new_trader: NewTrader
) -> None:
    maker = new_trader()
    for level in range(12):  # a full book: 12 levels a side, as deep as the page shows
        place(maker, "sell", f"{160 + level}.00", "0.0100")
        place(maker, "buy", f"{140 - level}.00", "0.0100")
    phone.wait_for_level("asks", "171.00", "0.0100")
    phone.wait_for_level("bids", "129.00", "0.0100")

    form = box(phone, ".order-form")
    for css in (".ob-asks", ".last-price", ".ob-bids"):
        shown = box(phone, css)
        assert on_screen(shown) and shown["bottom"] <= form["top"], f"{css} at {shown}, hidden or under {form}"
    assert on_screen(box(phone, ".place-order")) and on_screen(form)
    assert phone.driver.execute_script("return document.documentElement.scrollHeight <= innerHeight;")


def test_an_order_placed_from_the_sticky_form_shows_in_the_book_and_under_orders(phone: MarketPage) -> None:
    phone.place_order("buy", "131.37", "0.0100")

    phone.wait_for_level("bids", "131.37", "0.0100")
    choose_tab(phone, "orders")
    assert phone.wait_for_open_order("131.37").status == "open"


def test_the_compact_form_opens_its_other_fields_under_more(phone: MarketPage) -> None:
    def shown(css: str) -> bool:
        return bool(phone.driver.find_element(By.CSS_SELECTOR, css).is_displayed())

    assert shown('input[data-field="price"]') and not shown(".order-type")
    phone.driver.find_element(By.CSS_SELECTOR, ".form-more").click()
    eventually(lambda: (shown(".order-type"), shown('[data-field="time_in_force"]')), (True, True).__eq__, "more")
    phone.driver.find_element(By.CSS_SELECTOR, ".form-more").click()
    eventually(lambda: shown(".order-type"), False.__eq__, "the compact form again")


def test_the_chosen_tab_stays_chosen_through_live_updates(phone: MarketPage, new_trader: NewTrader) -> None:
    maker, taker = new_trader(), new_trader()
    choose_tab(phone, "trades")

    place(maker, "sell", "133.33", "0.0100")
    place(taker, "buy", "133.33", "0.0100")

    eventually(
        lambda: phone.driver.find_element(By.CSS_SELECTOR, ".trades-tape tbody").text,
        lambda text: "133.33" in text,
        "the trade on the tape",
    )
    assert shown_sections(phone) == ["trades"]
    active = phone.driver.find_element(By.CSS_SELECTOR, ".market-tabs .q-tab--active").get_attribute("data-tab")
    assert active == "trades"


def test_the_browser_keeps_the_chosen_tab_through_a_reload(phone: MarketPage) -> None:
    choose_tab(phone, "chart")

    phone.driver.refresh()
    phone.wait_until_connected()

    assert eventually(lambda: shown_sections(phone), bool, "a section after the reload") == ["chart"]
    active = phone.driver.find_element(By.CSS_SELECTOR, ".market-tabs .q-tab--active").get_attribute("data-tab")
    assert active == "chart"


def test_nothing_scrolls_sideways_on_any_tab(phone: MarketPage, new_trader: NewTrader) -> None:
    maker, taker = new_trader(), new_trader()
    # The widest rows the tables have: long prices, a partial fill, closed orders.
    place(maker, "sell", "999999.99", "999.9999")
    place(maker, "sell", "135.55", "0.0200")
    place(taker, "buy", "135.55", "0.0100")
    phone.place_order("buy", "99999.99", "0.0100")
    phone.place_order("sell", "888888.88", "0.0001")
    choose_tab(phone, "orders")
    phone.wait_for_open_order("888888.88")

    for name in SHOWN_BY_TAB:
        choose_tab(phone, name)
        assert phone.driver.execute_script(WIDER_INSIDE) == [], f"something scrolls sideways under {name}"
        assert phone.driver.execute_script("return document.documentElement.scrollWidth;") <= WIDTH


def test_the_connection_indicator_stays_visible_on_every_tab(phone: MarketPage) -> None:
    for name in SHOWN_BY_TAB:
        choose_tab(phone, name)
        for scroll in ("window.scrollTo(0, 0);", "window.scrollTo(0, document.body.scrollHeight);"):
            phone.driver.execute_script(scroll)
            assert phone.driver.execute_script(INDICATOR_ON_TOP), f"the indicator is hidden under {name}"
        assert phone.connection() == "Live"


def test_a_visitor_on_a_phone_is_asked_to_sign_in_under_orders_and_at_the_bottom(
    server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_page(server.base_url).open("BTC-USD")
    page.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        page.driver.find_element(By.CSS_SELECTOR, '.market-tabs .q-tab[data-tab="orders"]').click()

        def cards() -> list[str]:
            return [card.text for card in page.driver.find_elements(By.CSS_SELECTOR, ".q-card") if card.is_displayed()]

        eventually(cards, lambda shown: any("Sign in to see your orders" in text for text in shown), "the sign-in card")
        assert any("Sign in to trade" in text for text in cards())
        assert not page.driver.find_element(By.CSS_SELECTOR, ".ob-bids").is_displayed()
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_tabs_stay_under_the_header_while_a_long_tab_scrolls(phone: MarketPage) -> None:
    choose_tab(phone, "chart")
    # A tab much taller than the screen, as a long list of orders makes it.
    phone.driver.execute_script("document.querySelector('.m-chart').style.minHeight = '3000px';")

    phone.driver.execute_script("window.scrollTo(0, 1500);")

    assert phone.driver.execute_script("return scrollY;") >= 1000
    header, tabs = box(phone, ".q-header"), box(phone, ".market-tabs")
    assert abs(tabs["top"] - header["bottom"]) <= 1, f"the tabs at {tabs}, the header at {header}"
    choose_tab(phone, "trades")  # and they still work there
