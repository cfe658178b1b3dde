"""The page shell in few elements: shared CSS, a one-element header, stats bar and tabs, no visitor's More button."""

from nicegui import Client, ui
from nicegui.testing import User

from components.layout import CSS as LAYOUT_CSS
from components.market_tabs import CSS as TABS_CSS
from components.market_tabs import MarketTabs
from tests.components.conftest import Desk

MARKET = "/market/BTC-USD"


async def test_the_shells_css_is_shared_once_and_not_copied_into_each_page(user: User) -> None:
    await user.open(MARKET)
    await user.open(MARKET)  # a second page builds the shell again

    for css in (LAYOUT_CSS, TABS_CSS):
        marker = css.strip().splitlines()[0]
        assert Client.shared_head_html.count(marker) == 1
        assert marker not in user.client._head_html  # the page's own head, kept per tab


async def test_the_header_is_one_element_with_no_select_or_tooltip(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    header = desk.header()
    page_header = desk.one_of(user.find(ui.header).elements)
    assert list(page_header.descendants()) == [header]  # no ui.select, tooltip, button or link
    assert header.props["symbols"] == ["BTC-USD", "ETH-USD"] and header.props["symbol"] == "BTC-USD"
    assert not [element for element in user.client.elements.values() if isinstance(element, ui.dark_mode)]


async def test_a_visitor_has_no_more_button_and_the_tab_choice_is_checked(user: User) -> None:
    await user.open(MARKET)

    elements = user.client.elements.values()
    assert not [element for element in elements if isinstance(element, ui.button) and "form-more" in element.classes]
    tabs = next(iter(user.find(MarketTabs).elements))
    tabs.choose("nonsense")  # a name only a forged message sends
    assert tabs.chosen == "book"
    tabs.choose("chart")
    assert tabs.chosen == "chart"  # the browser's grid shows the section of the prop `chosen` (market_tabs.js)
