"""The book and the tape are one element each, whose fixed props and book every page of a market shares."""

from nicegui import Client
from nicegui.testing import User

from components.ladder import OrderBookLadder
from components.trades_tape import TapeTable
from tests.components.conftest import Desk

MARKET = "/market/BTC-USD"


def ladder_of(client: Client) -> OrderBookLadder:
    (ladder,) = [element for element in client.elements.values() if isinstance(element, OrderBookLadder)]
    return ladder


async def test_the_book_and_the_tape_are_one_element_each(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    for element in (desk.one(OrderBookLadder, "ob-book"), desk.one(TapeTable, "trades-tape")):
        assert list(element.descendants()) == [], f"{element} has elements of its own"
    assert desk.one(OrderBookLadder, "ob-book").props["config"]["title"] == "Order book"
    assert desk.one(TapeTable, "trades-tape").props["title"] == "Recent trades"


async def test_two_pages_of_a_market_share_the_ladders_fixed_props_and_its_book(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "buy", "99.00", "0.3")
    first = ladder_of(await user.open(MARKET))
    second = ladder_of(await user.open(MARKET))
    shown = [["99.00", "0.3000"]]
    await desk.shows(lambda: (first.book or {}).get("bids") == shown and first.book is second.book, True)

    assert first.props["config"] is second.props["config"]  # one object, not a copy a page
    assert type(first.props["config"]) is dict  # plain: NiceGUI wraps what props are assigned in observables


async def test_the_ladder_and_tape_css_is_in_the_head_every_page_shares_once(user: User) -> None:
    first = await user.open(MARKET)
    second = await user.open(MARKET)

    rule = ".ob-ladder, .tape-body {"  # the first of the ladder's and tape's rules
    assert Client.shared_head_html.count(rule) == 1
    assert rule not in first._head_html + second._head_html  # NiceGUI keeps a page's own head per page


async def test_a_grouping_the_page_does_not_offer_is_ignored(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    desk.trigger(OrderBookLadder, "ob-book", "group", 7)

    assert desk.one(OrderBookLadder, "ob-book").group == 1
