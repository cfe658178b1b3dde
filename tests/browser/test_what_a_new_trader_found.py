"""What a new trader found, in real Chromium at 1440x900 and 400x900: the depth chart stays around the mid whatever
rests far away, the chart's interval and the price grouping survive a reload, the header links to the API's
documentation, a trader with nothing is told how funds arrive, the balances say which markets hold them, "Recently
closed" is a history, and numbers and times read the same across the page."""

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place, server_book
from tests.browser.pages import READ_ROWS, MarketPage, eventually
from tests.funds import credit
from tests.servers import STARTING_CREDITS, ServerProcess, Trader

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
READ_HEADS = "return [...document.querySelectorAll(arguments[0] + ' thead th')].map(cell => cell.innerText.trim());"


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


SignedIn = Callable[[Trader], MarketPage]


@pytest.fixture(params=list(SCREENS))
def signed_in(request: pytest.FixtureRequest, open_page: OpenPage, server: ServerProcess) -> Iterator[SignedIn]:
    """Signs a trader in (at the browser's own size, where the header names them), then shows BTC-USD on a 1440x900
    desktop or a 400x900 phone, under the phone's Orders tab (the balances and the trader's orders)."""
    width, height, mobile = SCREENS[request.param]
    pages: list[MarketPage] = []

    def sign_in(trader: Trader) -> MarketPage:
        page = open_page(server.base_url).sign_in(trader.username, PASSWORD)
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
        page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        pages.append(page.open("BTC-USD"))
        if mobile:
            page.driver.find_element(By.CSS_SELECTOR, '.market-tabs .q-tab[data-tab="orders"]').click()
        return page

    yield sign_in
    for page in pages:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def shown_text(page: MarketPage, css: str) -> str:
    """The text a trader sees in the first element matching `css` (empty when it is hidden)."""
    found = page.driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text.strip() if found else ""


def test_a_trader_with_nothing_to_trade_with_is_shown_the_deposit_command_as_it_runs(
    signed_in: SignedIn, new_trader: NewTrader, server: ServerProcess
) -> None:
    trader = new_trader()
    for asset, amount in STARTING_CREDITS:  # everything the venue credited on registration, withdrawn again
        credit(server.database_url, trader.username, asset, f"-{amount}")

    page = signed_in(trader)

    command = f".venv/bin/python main.py deposit {trader.username} USD 1000"
    eventually(lambda: shown_text(page, ".funding-hint"), lambda text: command in text, "the deposit command shown")


def test_the_balances_say_they_cover_every_market_and_which_markets_orders_hold_each_amount(
    signed_in: SignedIn, new_trader: NewTrader
) -> None:
    trader = new_trader()
    place(trader, "buy", "100.00", "1.0000", symbol="ETH-USD")  # holds 100.00 USD (and its fee) in ETH-USD
    place(trader, "sell", "990000.00", "0.0100")  # holds 0.0100 BTC in BTC-USD

    page = signed_in(trader)

    eventually(lambda: shown_text(page, ".balances-scope"), lambda text: text == "all markets", "'all markets'")
    held_where = "return [...document.querySelectorAll('.balances .held-where')].map(cell => cell.innerText.trim());"
    eventually(
        lambda: sorted(page.driver.execute_script(held_where)),
        lambda shown: shown == ["in BTC-USD asks", "in ETH-USD bids"],
        "which markets hold the BTC and the USD",
    )


def test_recently_closed_lists_orders_by_when_they_closed_with_that_time_and_their_fee(
    signed_in: SignedIn, new_trader: NewTrader, server: ServerProcess
) -> None:
    trader, taker = new_trader(), new_trader()
    price = inside_the_spread(server.base_url)  # the best bid, so that the taker's sell at that price fills it
    first = place(trader, "buy", price, "0.1000")  # placed first, closed last (filled)
    second = place(trader, "buy", "10.00", "0.1000")  # placed second, closed first (cancelled)
    assert trader.client.delete(f"/api/orders/{second['id']}").status_code == 200
    assert place_ioc(taker, "sell", price, "0.1000")["status"] == "filled"

    page = signed_in(trader)

    closed = eventually(
        lambda: page.driver.execute_script(READ_ROWS, ".my-closed-orders tbody tr"),
        lambda rows: [row[0] for row in rows[:2]] == [str(first["id"]), str(second["id"])],
        "the filled order above the one cancelled before it",
    )
    heads = page.driver.execute_script(READ_HEADS, ".my-closed-orders")
    assert "Closed (UTC)" in heads and "Fee (USD)" in heads, heads
    maker_fee = Decimal(price) * Decimal("0.1000") / 1000  # 0.10% of the value
    assert abs(Decimal(closed[0][heads.index("Fee (USD)")]) - maker_fee) < Decimal("0.01")
    assert closed[1][heads.index("Fee (USD)")] in {"", "–", "0.00", "0.000000"}


def inside_the_spread(base_url: str) -> str:
    """A price above every bid and below every ask of the shared server's BTC-USD book."""
    book = server_book(base_url)
    best_bid = Decimal(book["bids"][0][0]) if book["bids"] else Decimal("50.00")
    best_ask = Decimal(book["asks"][0][0]) if book["asks"] else best_bid + 100
    price = best_bid + Decimal("0.01")
    assert price < best_ask, (best_bid, best_ask)
    return f"{price:.2f}"


def place_ioc(trader: Trader, side: str, price: str, quantity: str) -> dict:
    body = {"symbol": "BTC-USD", "side": side, "type": "limit", "price": price, "quantity": quantity}
    response = trader.client.post("/api/orders", json={**body, "time_in_force": "IOC"})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_forms_available_amount_is_the_balances_panels_and_every_time_says_utc(
    signed_in: SignedIn, new_trader: NewTrader, server: ServerProcess
) -> None:
    trader = new_trader()
    credit(server.database_url, trader.username, "USD", "0.004321")  # a balance with more places than USD shows
    place(trader, "buy", "100.00", "0.1000")

    page = signed_in(trader)

    usd = eventually(lambda: page.balances().get("USD"), bool, "the USD balance")
    available = usd[0]
    assert len(available.split(".")[1]) == 2, available  # USD at its two places, cut
    if page.driver.execute_script("return innerWidth;") > 600:  # the phone's form folds its details away
        eventually(lambda: shown_text(page, ".order-available"), lambda text: available in text, "Available = panel")
    heads = page.driver.execute_script(READ_HEADS, ".my-open-orders")
    assert "Time (UTC)" in heads, heads
