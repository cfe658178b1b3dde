"""The market page's components in a simulated browser (NiceGUI's `user` fixture) on the real app and database."""

from nicegui import ui
from nicegui.testing import User

from components.ladder import OrderBookLadder
from components.market_tabs import MarketTabs
from tests.components.conftest import Desk

MARKET = "/market/BTC-USD"


async def test_the_market_page_shows_asks_over_bids_with_the_spread_and_mid_between(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "sell", "101.00", "0.5")
    await desk.place(maker, "sell", "102.00", "0.25")
    await desk.place(maker, "buy", "99.00", "0.3")

    await user.open(MARKET)

    await desk.shows(lambda: desk.column("ob-asks", "price"), ["102.00", "101.00"])
    assert desk.column("ob-asks", "size") == ["0.2500", "0.5000"]
    assert desk.column("ob-bids", "price") == ["99.00"]
    assert desk.middle() == ("Spread 2.00 (2.000%)", "Mid 100.00 USD")
    # The last price travels with the book, which the ladder draws between its sides: the book is one element.
    assert desk.last() == ("–", "")
    assert list(desk.one(OrderBookLadder, "ob-book").descendants(include_self=False)) == []


async def test_a_level_placed_while_the_page_is_open_appears_without_a_reload(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "buy", "99.00", "0.3")
    await user.open(MARKET)
    await desk.shows(lambda: desk.column("ob-bids", "price"), ["99.00"])

    await desk.place(maker, "buy", "99.50", "0.1")

    await desk.shows(lambda: desk.column("ob-bids", "price"), ["99.50", "99.00"])
    assert desk.column("ob-bids", "size") == ["0.1000", "0.3000"]


async def test_the_mid_between_two_ticks_is_shown_at_the_ticks_decimals(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "buy", "100.02", "0.1")
    await desk.place(maker, "sell", "100.03", "0.1")

    await user.open(MARKET)

    await desk.shows(desk.middle, ("Spread 0.01 (0.010%)", "Mid 100.02 USD"))  # 100.025, half to even


async def test_an_empty_book_shows_no_spread_and_no_mid(user: User, desk: Desk) -> None:
    await user.open(MARKET)

    await desk.shows(desk.middle, ("Spread –", "Mid –"))
    # The book re-renders on the next push (coalesced), so wait for it as the single-cancel test does.
    await desk.shows(lambda: (desk.column("ob-asks", "price"), desk.column("ob-bids", "price")), ([], []))


async def test_choosing_a_coarser_price_grouping_merges_levels(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    for price in ("99.95", "99.91", "99.80"):
        await desk.place(maker, "buy", price, "0.1")
    for price in ("100.01", "100.05"):
        await desk.place(maker, "sell", price, "0.2")
    await user.open(MARKET)
    await desk.shows(lambda: len(desk.column("ob-bids", "price")), 3)

    desk.trigger(OrderBookLadder, "ob-book", "group", 10)  # as the ladder's grouping choice sends it

    await desk.shows(lambda: desk.column("ob-bids", "price"), ["99.9", "99.8"])
    assert desk.column("ob-bids", "size") == ["0.2000", "0.1000"]
    assert (desk.column("ob-asks", "price"), desk.column("ob-asks", "size")) == (["100.1"], ["0.4000"])


async def test_a_signed_out_visitor_is_asked_to_sign_in_and_gets_no_order_form(user: User) -> None:
    await user.open(MARKET)

    tabs = next(iter(user.find(MarketTabs).elements))  # the tabs draw a visitor's sign-in cards (market_tabs.js)
    assert [card["title"] for card in tabs.props["cards"]] == ["Sign in to see your orders", "Sign in to trade"]
    await user.should_not_see("Place order")
    await user.should_not_see("My open orders")


async def test_an_unknown_market_says_there_is_no_such_market(user: User) -> None:
    await user.open("/market/NOPE-USD")

    await user.should_see("There is no market NOPE-USD.")
    await user.should_see(kind=ui.link, content="BTC-USD")


async def test_a_signed_in_trader_sees_their_name_and_the_order_form(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")

    assert desk.header().trader == "alice"
    await user.should_see("Place order")
    assert next(iter(user.find(MarketTabs).elements)).props["cards"] == []


async def test_a_price_off_the_tick_is_shown_beside_the_price_and_nothing_is_placed(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100.005")
    user.find(kind=ui.input, content="Quantity").type("0.1")

    user.find(kind=ui.button, content="Buy BTC").click()

    await desk.shows(lambda: desk.field("Price").error, "must be a multiple of the tick size 0.01")
    assert await desk.orders(alice) == []


async def test_a_missing_quantity_is_reported_as_required(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100")

    user.find(kind=ui.button, content="Buy BTC").click()

    await desk.shows(lambda: desk.field("Quantity").error, "is required")
    assert desk.field("Price").error is None
    assert await desk.orders(alice) == []


async def test_post_only_with_immediate_or_cancel_is_refused_with_a_message(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100")
    user.find(kind=ui.input, content="Quantity").type("0.1")
    user.find(kind=ui.checkbox, content="Post-only").click()
    time_in_force = desk.one_of(user.find(kind=ui.select, content="Time in force").elements)
    with user.client:
        time_in_force.value = "IOC"

    user.find(kind=ui.button, content="Buy BTC").click()

    await user.should_see("needs time_in_force GTC, not IOC")
    assert await desk.orders(alice) == []


async def test_a_valid_order_is_placed_and_shows_in_my_open_orders_and_the_book(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100")
    user.find(kind=ui.input, content="Quantity").type("0.5")

    user.find(kind=ui.button, content="Buy BTC").click()

    await desk.shows(lambda: desk.column("my-open-orders", "price"), ["100.00"])
    row = desk.one(ui.table, "my-open-orders").rows[0]
    assert (row["side"], row["quantity"], row["status"]) == ("buy", "0.5000", "open")
    await user.should_see("Buy 0.5000 BTC at 100.00 USD placed: it rests in the book")
    await desk.shows(lambda: desk.column("ob-bids", "price"), ["100.00"])
    assert [order.status for order in await desk.orders(alice)] == ["open"]


async def test_a_sell_order_is_placed_on_the_ask_side(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    with user.client:
        desk.one(ui.toggle, "order-side").value = "sell"
    user.find(kind=ui.input, content="Price").type("105.5")
    user.find(kind=ui.input, content="Quantity").type("0.2")

    user.find(kind=ui.button, content="Sell BTC").click()

    await desk.shows(lambda: desk.column("ob-asks", "price"), ["105.50"])
    assert [(order.side, order.price) for order in await desk.orders(alice)] == [("sell", "105.50")]


async def test_picking_a_level_in_the_book_fills_the_order_price(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "sell", "101.25", "0.1")
    await desk.sign_in("alice")
    await desk.shows(lambda: desk.column("ob-asks", "price"), ["101.25"])

    desk.trigger(OrderBookLadder, "ob-book", "pick", "101.25")

    await desk.shows(lambda: desk.field("Price").value, "101.25")


async def test_cancel_in_my_open_orders_cancels_the_order(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    order = await desk.place(alice, "buy", "99.00", "0.1")
    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(order.id)])

    desk.trigger(ui.table, "my-open-orders", "cancel", order.id)
    await desk.shows(lambda: desk.column("my-open-orders", "status"), ["cancelled"])  # lingers under the pointer
    desk.trigger(ui.table, "my-open-orders", "mouseleave", None)

    await desk.shows(lambda: desk.column("my-open-orders", "id"), [])
    assert desk.column("my-closed-orders", "status") == ["cancelled"]
    assert [o.status for o in await desk.orders(alice)] == ["cancelled"]
    await desk.shows(lambda: desk.column("ob-bids", "price"), [])


async def test_cancel_all_cancels_every_open_order(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    await desk.place(alice, "buy", "99.00", "0.1")
    await desk.place(alice, "sell", "101.00", "0.1")
    await desk.shows(lambda: len(desk.column("my-open-orders", "id")), 2)

    user.find(kind=ui.button, content="Cancel all").click()
    await user.should_see("Cancel your 2 open orders in BTC-USD?")
    user.find(kind=ui.button, content="Cancel 2 orders").click()

    await desk.shows(lambda: desk.column("my-open-orders", "id"), [])
    assert [o.status for o in await desk.orders(alice)] == ["cancelled", "cancelled"]
    await user.should_see("2 orders cancelled")
    # The book re-renders on the next push (coalesced), so wait for it as the single-cancel test does.
    await desk.shows(lambda: (desk.column("ob-asks", "price"), desk.column("ob-bids", "price")), ([], []))


async def test_a_trade_shows_on_the_tape_and_in_the_24_hour_stats(user: User, desk: Desk) -> None:
    maker, taker = await desk.register("maker"), await desk.register("taker")
    await desk.place(maker, "sell", "101.00", "0.5")
    await user.open(MARKET)

    await desk.place(taker, "buy", "101.00", "0.2")

    await desk.shows(lambda: desk.column("trades-tape", "price"), ["101.00"])
    assert desk.column("trades-tape", "quantity") == ["0.2000"]
    assert desk.column("ob-asks", "size") == ["0.3000"]
    await desk.shows(lambda: desk.stat("Last"), "101.00")
    assert [desk.stat(title) for title in ("24h high", "24h low", "24h volume (BTC)")] == ["101.00", "101.00", "0.2000"]
    assert desk.stat("24h change") == "+0.00 (+0.00%)"


async def test_without_trades_the_24_hour_volume_shows_a_dash_like_the_other_stats(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "sell", "101.00", "0.5")

    await user.open(MARKET)

    await desk.shows(lambda: desk.column("ob-asks", "price"), ["101.00"])
    assert [desk.stat(title) for title in ("Last", "24h high", "24h low", "24h volume (BTC)")] == ["–"] * 4


async def test_an_order_below_the_minimum_notional_shows_its_value_at_the_quotes_decimals(
    user: User, desk: Desk
) -> None:
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("0.1")
    user.find(kind=ui.input, content="Quantity").type("0.1")

    user.find(kind=ui.button, content="Buy BTC").click()

    expected = "order value 0.01 USD is below the minimum notional 1.00 USD"
    await desk.shows(lambda: desk.field("Quantity").error, expected)
    assert await desk.orders(alice) == []
