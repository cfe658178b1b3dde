"""The trading page's theme (dark unless the browser chose light) and the last price between asks and bids."""

from nicegui import ui
from nicegui.testing import User

from tests.components.conftest import Desk

MARKET = "/market/BTC-USD"


def dark_mode(user: User) -> ui.dark_mode:
    return Desk.one_of(user.find(ui.dark_mode).elements)


async def test_the_page_is_dark_by_default(user: User) -> None:
    await user.open(MARKET)

    assert dark_mode(user).value is True


async def test_the_header_toggle_switches_to_light_and_the_browser_keeps_it(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    desk.trigger(ui.button, "theme-toggle", "click", {})
    assert dark_mode(user).value is False

    await user.open(MARKET)  # a new page in the same browser (the same cookie)
    assert dark_mode(user).value is False
    desk.trigger(ui.button, "theme-toggle", "click", {})
    await user.open(MARKET)
    assert dark_mode(user).value is True


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
