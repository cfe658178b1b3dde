"""The ladder is sent deltas: a page whose book went wrong finds out by the checksum or the sequence and resyncs."""

from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place, server_book
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess

LADDER = "document.querySelector('.ob-ladder').__ladder"


def resyncs(base_url: str, reason: str) -> float:
    """`orderbook_page_book_resyncs_total{reason}` on the server (0 while never moved)."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "orderbook_page_book_resyncs_total" and sample.labels.get("reason") == reason
    )


def shows_the_servers_book(page: MarketPage, base_url: str) -> None:
    expected = server_book(base_url, depth=12)
    page.wait_for_book(lambda shown: shown == expected, "the server's book")


def test_deltas_keep_the_page_on_the_servers_book_without_a_single_resync(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader, taker = new_trader(), new_trader()
    page = open_page(server.base_url).open("BTC-USD")
    page.mark_document()

    for price in ("121.11", "121.12", "121.13"):
        place(trader, "buy", price=price, quantity="0.1")
    place(taker, "sell", price="121.13", quantity="0.04")  # a trade: the best bid shrinks, the tape grows

    page.wait_for_level("bids", "121.13", "0.0600")
    shows_the_servers_book(page, server.base_url)
    middle = page.driver.execute_script("return document.querySelector('.ob-spread-mid').innerText")
    assert middle.startswith("Spread ") and "Mid " in middle
    # The last price came with the same delta, between the sides.
    eventually(lambda: page.driver.find_element("css selector", ".ob-book .last-price").text, "121.13".__eq__, "last")
    # Every delta checked out in the browser: its CRC32 of the top levels is the server's.
    assert page.driver.execute_script(f"return {LADDER}.resyncs") == 0
    assert page.document_is_marked()


def test_a_page_whose_book_went_wrong_fails_the_next_checksum_and_gets_the_whole_book(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    place(trader, "buy", price="122.21", quantity="0.1")
    page = open_page(server.base_url).open("BTC-USD")
    page.wait_for_level("bids", "122.21", "0.1000")
    before = resyncs(server.base_url, "checksum")

    # As a lost or corrupted update would leave it: one level's size is off in this page only.
    page.driver.execute_script(f"{LADDER}.bids.find(level => level[0] === '122.21')[1] = '0.0999';")
    page.wait_for_level("bids", "122.21", "0.0999")
    place(trader, "buy", price="122.22", quantity="0.1")

    page.wait_for_level("bids", "122.21", "0.1000")
    shows_the_servers_book(page, server.base_url)
    assert page.driver.execute_script(f"return {LADDER}.resyncs") == 1
    eventually(lambda: resyncs(server.base_url, "checksum"), lambda now: now >= before + 1, "the resync counted")


def test_a_page_that_missed_a_sequence_gets_the_whole_book(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    page = open_page(server.base_url).open("BTC-USD")
    before = resyncs(server.base_url, "gap")

    page.driver.execute_script(f"{LADDER}.sequence -= 1;")  # as if the page had missed the last delta
    place(trader, "sell", price="163.31", quantity="0.2")

    page.wait_for_level("asks", "163.31", "0.2000")
    shows_the_servers_book(page, server.base_url)
    assert page.driver.execute_script(f"return {LADDER}.resyncs") == 1
    eventually(lambda: resyncs(server.base_url, "gap"), lambda now: now >= before + 1, "the resync counted")


@pytest.mark.parametrize(
    ("width", "height", "mobile"), [(1440, 900, False), (400, 900, True)], ids=["1440x900", "400x900"]
)
def test_the_traders_own_levels_are_marked_and_the_notional_column_shows_price_times_size(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader, width: int, height: int, mobile: bool
) -> None:
    trader, other = new_trader(), new_trader()
    place(other, "buy", price="124.40", quantity="0.5")
    place(trader, "buy", price="124.41", quantity="0.0125")
    page = open_page(server.base_url).sign_in(trader.username, PASSWORD).open("BTC-USD")
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # a phone shows the Book tab first
    try:
        shows_own_levels_and_their_value(page)
    finally:
        page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def shows_own_levels_and_their_value(page: MarketPage) -> None:
    mine = "return [...document.querySelectorAll('.ob-bids tr.ob-mine td:first-child')].map(c => c.innerText.trim())"
    eventually(lambda: page.driver.execute_script(mine), lambda prices: prices == ["124.41"], "the own level marked")
    rows = {cells[0]: cells for cells in page.driver.execute_script(READ_BIDS)}
    assert (rows["124.41"][1], rows["124.40"][1]) == ("0.0125", "0.5000")
    assert Decimal(rows["124.40"][2]) - Decimal(rows["124.41"][2]) == Decimal("0.5")  # totals add from the best

    toggle = page.driver.find_element("css selector", ".ob-notional-toggle")
    assert toggle.text == "Value"  # each level's price x size: not "Σ" or "Sum", which read as a running total
    toggle.click()

    def notionals() -> dict[str, str]:
        return {cells[0]: cells[-1] for cells in page.driver.execute_script(READ_BIDS) if len(cells) == 4}

    eventually(notionals, lambda shown: shown.get("124.41") == "1.56", "the notional column")  # 1.5551250
    assert notionals()["124.40"] == "62.20"
    heads = page.driver.execute_script(READ_BIDS_HEAD)
    assert heads[-1] == "Value (USD)" and "Sum" not in " ".join(heads)


def test_the_grouping_and_the_sum_are_keyboard_controls_of_the_book(
    server: ServerProcess, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    place(trader, "buy", price="118.41", quantity="0.1")
    place(trader, "buy", price="118.47", quantity="0.2")
    page = open_page(server.base_url).sign_in(trader.username, PASSWORD).open("BTC-USD")
    page.wait_for_level("bids", "118.47", "0.2000")

    grouping = page.driver.find_element(By.CSS_SELECTOR, ".ob-book select.ob-grouping")
    assert grouping.get_attribute("title") == "Price grouping"
    grouping.send_keys(Keys.ARROW_DOWN)  # from 0.01 to the next choice, 0.1: the server sends the grouped book

    page.wait_for_level("bids", "118.4", "0.3000")
    mine = "return [...document.querySelectorAll('.ob-bids tr.ob-mine td:first-child')].map(c => c.innerText.trim())"
    eventually(lambda: page.driver.execute_script(mine), lambda prices: prices == ["118.4"], "the grouped level marked")

    toggle = page.driver.find_element(By.CSS_SELECTOR, ".ob-book button.ob-notional-toggle")
    toggle.send_keys(Keys.ENTER)
    eventually(lambda: page.driver.execute_script(READ_BIDS)[0], lambda cells: len(cells) == 4, "the notional column")
    assert toggle.get_attribute("aria-pressed") == "true"


READ_BIDS_HEAD = """
return [...document.querySelectorAll('.ob-book thead th')].map(cell => cell.innerText.trim());
"""
READ_BIDS = """
return [...document.querySelectorAll('.ob-bids tr.ob-row')].map(
  row => [...row.querySelectorAll(':scope > td')].map(cell => cell.innerText.trim()));
"""
