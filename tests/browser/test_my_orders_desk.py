"""A trader's orders in real Chromium: many of them scroll inside their part, fills are told, rows are amended."""

from collections.abc import Callable, Iterator

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess, Trader

RECT = """
const e = document.querySelector(arguments[0]);
const r = e.getBoundingClientRect();
return {top: r.top, bottom: r.bottom, height: r.height};
"""
# Every toast the page shows from now on, in order, each once (a MutationObserver marks the ones it has counted).
RECORD_TOASTS = """
window.__toasts = [];
new MutationObserver(() => {
  for (const toast of document.querySelectorAll('.q-notification:not([data-counted])')) {
    toast.dataset.counted = '1';
    window.__toasts.push(toast.querySelector('.q-notification__message').innerText.trim());
  }
}).observe(document.body, {childList: true, subtree: true});
"""


def screen(page: MarketPage, width: int, height: int, mobile: bool = False) -> None:
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


@pytest.fixture
def busy_trader(new_trader: NewTrader) -> Trader:
    """A trader with 10 closed orders (filled by another trader) and 7 open ones in BTC-USD."""
    maker, me = new_trader(), new_trader()
    for cents in range(10):
        place(maker, "sell", f"151.{cents:02d}", "0.0100")
        place(me, "buy", f"151.{cents:02d}", "0.0100")
    for cents in range(7):
        place(me, "buy", f"141.{cents:02d}", "0.0100")
    return me


@pytest.fixture
def busy_page(server: ServerProcess, open_page: OpenPage, busy_trader: Trader) -> Iterator[MarketPage]:
    """The busy trader's page; the reused browser gets its own size back afterwards."""
    page = open_page(server.base_url).sign_in(busy_trader.username, PASSWORD)
    try:
        yield page
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


SIZES = {"1440x900": (1440, 900, False), "400x900": (400, 900, True)}
Sized = Callable[[MarketPage], MarketPage]


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest) -> Iterator[Sized]:
    """Shows a signed-in page at 1440x900, or at 400x900 under the phone's Orders tab; sizes are undone afterwards."""
    width, height, mobile = SIZES[request.param]
    pages: list[MarketPage] = []

    def resize(page: MarketPage) -> MarketPage:
        screen(page, width, height, mobile)
        pages.append(page)
        if mobile:
            page.driver.find_element(By.CSS_SELECTOR, '.market-tabs .q-tab[data-tab="orders"]').click()
        return page

    yield resize
    for page in pages:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def wait_for_rows(page: MarketPage, table: str, count: int) -> None:
    rows = f".{table} tbody tr"
    eventually(lambda: len(page.driver.find_elements(By.CSS_SELECTOR, rows)), count.__le__, f"{count} rows in {table}")


def test_at_1440x900_seven_open_and_ten_closed_orders_scroll_inside_their_part_and_the_page_does_not(
    busy_page: MarketPage,
) -> None:
    page = busy_page
    screen(page, 1440, 900)
    page.open("BTC-USD")
    wait_for_rows(page, "my-open-orders", 7)
    wait_for_rows(page, "my-closed-orders", 10)

    assert page.driver.execute_script("return document.scrollingElement.scrollHeight;") <= 900
    card = page.driver.find_element(By.CSS_SELECTOR, ".my-orders-card")
    assert page.driver.execute_script("return arguments[0].scrollHeight > arguments[0].clientHeight;", card)
    last_closed = page.driver.find_elements(By.CSS_SELECTOR, ".my-closed-orders tbody tr")[-1]
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", last_closed)  # scrolls the card
    row, shown = page.driver.execute_script(
        "return [arguments[0].getBoundingClientRect().bottom, arguments[1].getBoundingClientRect().bottom];",
        last_closed,
        card,
    )
    assert row <= shown <= 900 and page.driver.execute_script("return scrollY;") == 0


def test_at_400x900_the_orders_tab_reaches_the_last_closed_order_with_the_form_on_the_bottom_edge(
    busy_page: MarketPage,
) -> None:
    page = busy_page
    screen(page, 400, 900, mobile=True)
    page.open("BTC-USD")
    page.driver.find_element(By.CSS_SELECTOR, '.market-tabs .q-tab[data-tab="orders"]').click()
    wait_for_rows(page, "my-closed-orders", 10)

    last_closed = page.driver.find_elements(By.CSS_SELECTOR, ".my-closed-orders tbody tr")[-1]
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", last_closed)

    assert last_closed.is_displayed()
    form = page.driver.execute_script(RECT, ".m-form")
    assert abs(form["bottom"] - 900) <= 1 and form["height"] > 0, form  # still stuck to the bottom edge
    tabs = page.driver.execute_script(RECT, ".market-tabs")
    assert tabs["top"] >= 0 and tabs["bottom"] <= form["top"], tabs  # the tabs still under the header


def test_each_fill_of_a_resting_order_is_told_once_on_every_tab_of_the_trader(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader, sized: Sized
) -> None:
    me, taker = new_trader(), new_trader()
    resting = place(me, "sell", "171.37", "0.0300")
    tabs = [sized(open_page(server.base_url).sign_in(me.username, PASSWORD).open("BTC-USD")) for _ in range(2)]
    for tab in tabs:
        tab.wait_for_open_order("171.37")
        tab.driver.execute_script(RECORD_TOASTS)
    first = f"Your sell order {resting['id']} filled 0.0100 BTC at 171.37 USD, 0.0200 BTC left"
    last = f"Your sell order {resting['id']} filled 0.0200 BTC at 171.37 USD, now filled in full"

    place(taker, "buy", "171.37", "0.0100")
    for tab in tabs:
        eventually(lambda tab=tab: tab.driver.execute_script("return window.__toasts;"), [first].__eq__, "the fill")
    place(taker, "buy", "171.37", "0.0200")
    for tab in tabs:
        eventually(lambda tab=tab: tab.driver.execute_script("return window.__toasts;"), [first, last].__eq__, "both")
    # One more change of the trader's orders re-reads them: a fill told twice would show by the time it is listed.
    place(me, "sell", "181.37", "0.0100")
    for tab in tabs:
        tab.wait_for_open_order("181.37")
        assert tab.driver.execute_script("return window.__toasts;") == [first, last]


def test_amending_a_resting_orders_price_and_size_from_its_row_shows_in_the_book_and_the_row(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader, sized: Sized
) -> None:
    me = new_trader()
    place(me, "buy", "120.00", "0.0300")
    page = sized(open_page(server.base_url).sign_in(me.username, PASSWORD).open("BTC-USD"))
    page.wait_for_level("bids", "120.00", "0.0300")
    row = eventually(
        lambda: page.driver.find_elements(By.CSS_SELECTOR, ".my-open-orders tbody tr"), bool, "the order's row"
    )[0]
    assert "120.00" in row.text and "0.0300" in row.text  # its only order (a phone hides the Id column)

    row.find_element(By.CSS_SELECTOR, ".amend-order").click()
    dialog = ".q-dialog .amend-dialog"
    eventually(lambda: page.driver.find_element(By.CSS_SELECTOR, dialog).is_displayed(), bool, "the amend dialog")
    page.fill("amend_price", "121.00")
    page.fill("amend_quantity", "0.0200")
    page.driver.find_element(By.CSS_SELECTOR, f"{dialog} .confirm-amend").click()

    page.wait_for_level("bids", "121.00", "0.0200")
    page.wait_for_no_level("bids", "120.00")
    order = page.wait_for_open_order("121.00")
    assert (order.quantity, order.status) == ("0.0200", "open")
    assert [shown.price for shown in page.open_orders()] == ["121.00"]
