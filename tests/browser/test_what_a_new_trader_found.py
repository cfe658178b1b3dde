"""What a new trader found, in real Chromium: the depth chart stays around the mid whatever rests far away, the
chart's interval and the price grouping survive a reload, and the header links to the API's documentation."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.browser.conftest import NewTrader, OpenPage, place
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess

SCREENS = {"1440x900": (1440, 900, False), "400x900": (400, 900, True)}
# The x axis's range as ECharts worked it out from the points it was given (what the trader sees on the axis).
DEPTH_X_RANGE = """
const chart = document.querySelector('.depth-chart').__chart.chart;
return chart.getModel().getComponent('xAxis', 0).axis.scale.getExtent();
"""
DEPTH_DRAWN = "return document.querySelector('.depth-chart').__chart.drawn;"
# The interval and the grouping (in ticks) the server last sent the page's chart and book.
SERVER_SENT = """
return [getElement(document.querySelector('.candles-chart')).$props.interval,
        getElement(document.querySelector('.ob-book')).$props.group];
"""
PRESSED_INTERVAL = ".candles-chart .candle-interval button[aria-pressed='true']"


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest, open_page: OpenPage, server: ServerProcess) -> Iterator[MarketPage]:
    """A page on a 1440x900 desktop or a 400x900 phone; the reused browser gets its own size back afterwards."""
    width, height, mobile = SCREENS[request.param]
    page = open_page(server.base_url)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield page
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_bids_far_below_the_market_leave_the_depth_chart_around_the_mid(
    screen: MarketPage, new_trader: NewTrader
) -> None:
    market, stray = new_trader(), new_trader()
    place(market, "buy", "64990.00", "0.0100")
    place(market, "sell", "65010.00", "0.0100")
    place(stray, "buy", "100.00", "0.5000")  # the README's own example
    place(stray, "buy", "99.00", "0.5000")

    page = screen.open("BTC-USD")
    if page.driver.execute_script("return innerWidth;") <= 600:
        page.driver.find_element(By.CSS_SELECTOR, '.market-tabs .q-tab[data-tab="chart"]').click()
    eventually(
        lambda: page.driver.execute_script(DEPTH_DRAWN),
        lambda drawn: drawn and any(price == "64990.00" for price, _ in drawn[0]),
        "the best bid in the depth chart",
    )

    low, high = (Decimal(str(end)) for end in page.driver.execute_script(DEPTH_X_RANGE))
    mid = Decimal(65000)
    assert mid * Decimal("0.85") <= low < Decimal("64990") < Decimal("65010") < high <= mid * Decimal("1.15"), (
        low,
        high,
    )


def test_the_chart_interval_and_the_price_grouping_are_kept_through_a_reload(
    open_page: OpenPage, server: ServerProcess
) -> None:
    page = open_page(server.base_url).open("BTC-USD")
    assert page.driver.find_element(By.CSS_SELECTOR, PRESSED_INTERVAL).text == "1m"
    page.driver.find_element(By.XPATH, "//*[contains(@class, 'candle-interval')]//button[.='1h']").click()
    Select(page.driver.find_element(By.CSS_SELECTOR, ".ob-grouping")).select_by_visible_text("1.00")
    # Kept once the server has it: it then sends the page the props of what it chose.
    eventually(
        lambda: page.driver.execute_script(SERVER_SENT),
        lambda sent: sent == ["1h", 100],
        "the server's answer to both choices",
    )

    page.driver.refresh()
    page.wait_until_connected()

    pressed = eventually(
        lambda: page.driver.find_element(By.CSS_SELECTOR, PRESSED_INTERVAL).text, bool, "an interval pressed"
    )
    assert pressed == "1h"
    assert Select(page.driver.find_element(By.CSS_SELECTOR, ".ob-grouping")).first_selected_option.text == "1.00"


def test_the_header_links_to_the_api_docs(open_page: OpenPage, server: ServerProcess) -> None:
    page = open_page(server.base_url)
    page.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        page.open("BTC-USD")
        link = page.driver.find_element(By.CSS_SELECTOR, ".app-header a.api-docs")
        assert link.is_displayed() and link.text == "API"
        link.click()
        eventually(lambda: page.driver.current_url, lambda url: url.endswith("/docs"), "the API docs")
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
