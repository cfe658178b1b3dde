"""The price and depth charts in a real browser: drawn on arrival, kept live, the interval chosen by keyboard."""

from datetime import UTC, datetime

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import NewTrader, OpenPage, place
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess

# What ECharts itself holds (not what the component was sent): the newest candle [open, close, low, high], its label.
LAST_CANDLE = """
const chart = document.querySelector('.candles-chart').__chart.chart;
const option = chart.getOption();
return [option.series[0].data.at(-1), option.xAxis[1].data.at(-1)];
"""
DEPTH_BIDS = "return document.querySelector('.depth-chart').__chart.chart.getOption().series[0].data;"


def trade(new_trader: NewTrader, price: str) -> None:
    """One trade of 0.01 at `price` between two new traders."""
    seller, buyer = new_trader(), new_trader()
    place(seller, "sell", price=price, quantity="0.01")
    place(buyer, "buy", price=price, quantity="0.01")


def last_candle(page: MarketPage) -> list:
    return page.driver.execute_script(LAST_CANDLE)


def test_a_new_tab_draws_the_candles_and_the_depth_already_there(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trade(new_trader, "131.17")
    place(new_trader(), "buy", price="87.41", quantity="0.5")

    page = open_page(server.base_url).open("BTC-USD")

    candle, _ = eventually(lambda: last_candle(page), lambda c: c[0] is not None, "a candle in the chart")
    assert candle[1] == "131.17"  # the close
    eventually(
        lambda: page.driver.execute_script(DEPTH_BIDS),
        lambda points: any(price == "87.41" for price, _ in points),
        "the resting bid's price among the depth chart's points",
    )


def test_a_trade_redraws_the_newest_candle_without_a_reload(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    page = open_page(server.base_url).open("BTC-USD")
    page.mark_document()
    trade(new_trader, "133.09")
    eventually(lambda: last_candle(page)[0], lambda c: c is not None and c[1] == "133.09", "the close 133.09")

    trade(new_trader, "139.93")

    candle = eventually(lambda: last_candle(page)[0], lambda c: c[1] == "139.93", "the close 139.93")
    assert candle[3] == "139.93"  # the high of the minute
    assert page.document_is_marked(), "the tab reloaded instead of redrawing the chart"


def test_the_day_button_pressed_by_keyboard_shows_daily_candles(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trade(new_trader, "127.53")
    page = open_page(server.base_url).open("BTC-USD")
    eventually(lambda: last_candle(page)[1], lambda label: label and ":" in label, "minute candles (labels HH:MM)")

    buttons = page.driver.find_elements(By.CSS_SELECTOR, ".candles-chart .candle-interval button")
    assert [button.text for button in buttons] == ["1m", "5m", "1h", "1d"]
    page.driver.execute_script("arguments[0].focus();", buttons[3])
    assert page.driver.switch_to.active_element == buttons[3], "the 1d button takes the keyboard's focus"
    ActionChains(page.driver).send_keys(Keys.ENTER).perform()

    today = datetime.now(UTC).strftime("%m-%d")
    label = eventually(lambda: last_candle(page)[1], lambda label: label and ":" not in label, "daily candles")
    assert label in (today, datetime.now(UTC).strftime("%m-%d"))  # midnight may pass meanwhile
    assert buttons[3].get_attribute("aria-pressed") == "true"
