"""The trading page's theme (dark unless the browser chose light) and the last price between asks and bids."""

from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from tests.components.conftest import Desk

MARKET = "/market/BTC-USD"


def toggle_theme(desk: Desk, dark: bool) -> None:
    """What the header's toggle sends after switching the browser's theme: the theme it switched to."""
    UserInteraction(desk.user, {desk.header()}, None).trigger("theme", dark)


async def test_the_page_is_dark_by_default(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    assert desk.header().dark is True


async def test_the_header_toggle_switches_to_light_and_the_browser_keeps_it(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    toggle_theme(desk, False)
    assert desk.header().dark is False

    await user.open(MARKET)  # a new page in the same browser (the same cookie)
    assert desk.header().dark is False
    toggle_theme(desk, True)
    await user.open(MARKET)
    assert desk.header().dark is True


async def trade(desk: Desk, maker: int, taker: int, price: str) -> None:
    await desk.place(maker, "sell", price, "0.1")
    await desk.place(taker, "buy", price, "0.1")


async def test_the_book_shows_the_last_price_with_an_arrow_for_its_move(user: User, desk: Desk) -> None:
    maker, taker = await desk.register("maker"), await desk.register("taker")
    await user.open(MARKET)
    assert desk.last() == ("–", "")

    await trade(desk, maker, taker, "100.00")
    await desk.shows(lambda: desk.last(), ("100.00", ""))
    await trade(desk, maker, taker, "101.50")
    await desk.shows(lambda: desk.last(), ("101.50", "up"))
    await trade(desk, maker, taker, "99.25")
    await desk.shows(lambda: desk.last(), ("99.25", "down"))
    await trade(desk, maker, taker, "99.25")  # unchanged: the arrow keeps the last move
    await desk.shows(lambda: desk.last(), ("99.25", "down"))
