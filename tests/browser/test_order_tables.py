"""The trader's order tables in real Chromium: every column fits a 400 px phone, none scrolls sideways."""

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import PASSWORD, NewTrader, OpenPage, place
from tests.browser.pages import MarketPage, eventually
from tests.servers import ServerProcess

# Each order table's scrolling box: how wide its content is, and how wide it shows.
WIDTHS = """
return [...document.querySelectorAll('.my-open-orders .q-table__middle, .my-closed-orders .q-table__middle')]
  .map(box => [box.scrollWidth, box.clientWidth]);
"""


@pytest.fixture
def phone(open_page: OpenPage, server: ServerProcess) -> Iterator[MarketPage]:
    """A browser that becomes a 400x900 phone once signed in (a phone's header hides the name sign-in waits for)."""
    page = open_page(server.base_url)
    yield page
    page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def as_phone(page: MarketPage) -> MarketPage:
    page.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 400, "height": 900, "deviceScaleFactor": 1, "mobile": True}
    )
    return page.open("BTC-USD")


def test_at_400_px_the_order_tables_show_every_column_without_scrolling_sideways(
    phone: MarketPage, new_trader: NewTrader
) -> None:
    maker, me = new_trader(), new_trader()
    # The widest rows there are: six-figure prices, a partial fill with its average, a cancelled order.
    place(maker, "sell", "123456.78", "0.0100")
    partly = place(me, "buy", "123456.78", "0.0300")
    cancelled = place(me, "buy", "100000.01", "0.0100")
    me.client.delete(f"/api/orders/{cancelled['id']}").raise_for_status()
    as_phone(phone.sign_in(me.username, PASSWORD))
    phone.driver.find_element(By.CSS_SELECTOR, '.market-tabs .q-tab[data-tab="orders"]').click()  # a phone's tab

    rows = eventually(
        lambda: phone.driver.find_elements(By.CSS_SELECTOR, ".my-open-orders tbody tr"), bool, "my open order"
    )
    assert "partially" in rows[0].text and "123456.78" in rows[0].text  # the average, and the price
    eventually(
        lambda: phone.driver.find_elements(By.CSS_SELECTOR, ".my-closed-orders tbody tr"), bool, "my closed order"
    )
    assert phone.driver.execute_script("return innerWidth;") == 400
    widths = phone.driver.execute_script(WIDTHS)
    assert len(widths) == 2 and all(content <= shown for content, shown in widths), widths
    assert partly["average_price"] == "123456.78"
