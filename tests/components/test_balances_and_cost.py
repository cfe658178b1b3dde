"""Balances on the trading page, in a simulated browser on the real app: the panel, the cost line, Max, and the
insufficient-funds error beside the quantity. BTC-USD ships with fees of 10 bps (maker) and 20 bps (taker)."""

import asyncio
from decimal import Decimal

from nicegui import ui
from nicegui.testing import User

from app import services
from app.accounts.funding import balance_available, move_money
from models import OrderCreate
from models.enums import Side
from tests.components.conftest import PASSWORD, Desk


async def leave(trader_id: int, asset: str, amount: str) -> None:
    """Deposit or withdraw so that exactly `amount` of the asset is available (as `main.py deposit` would)."""
    database = (await services.started()).database

    def work() -> None:
        with database.write() as session:
            available = balance_available(session, trader_id=trader_id, asset=asset)
            move_money(session, trader_id=trader_id, asset=asset, amount=Decimal(amount) - available)

    await asyncio.to_thread(work)


async def sign_in_as(desk: Desk, username: str) -> None:
    """Sign in as a trader registered (and funded) before the page opens."""
    await desk.user.open("/login")
    desk.user.find(kind=ui.input, content="Username").type(username)
    desk.user.find(kind=ui.input, content="Password").type(PASSWORD)
    desk.user.find(kind=ui.button, content="Sign in").click()
    await desk.user.should_see("My open orders", retries=50)


def cost_line(desk: Desk) -> ui.label:
    return desk.one(ui.label, "order-cost")


def choose(desk: Desk, toggle: str, value: str) -> None:
    with desk.user.client:
        desk.one(ui.toggle, toggle).value = value


async def test_the_form_shows_a_limit_orders_cost_and_the_most_it_pays_in_fees(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")
    desk.field("Price").value = "64906.96"
    desk.field("Quantity").value = "0.05"

    # 3245.348 USD, and 20 bps of it (the higher fee: a limit order may take), 6.490696: 3251.838696 at most, shown
    # at the quote's cents rounded up, as the fee; what a sell receives, 3238.857304 at least, rounded down.
    await desk.shows(lambda: cost_line(desk).text, "Cost at most 3251.84 USD, fee ≤ 6.50 USD (0.2%)")
    choose(desk, "order-side", "sell")
    await desk.shows(lambda: cost_line(desk).text, "Receive at least 3238.85 USD, fee ≤ 6.50 USD (0.2%)")
    desk.field("Quantity").value = "0.00005"  # off the lot: no estimate until it is an order the market takes
    await desk.shows(lambda: cost_line(desk).text, "")


async def test_a_market_buys_cost_walks_the_asks_and_says_when_the_book_lacks(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")
    choose(desk, "order-type", "market")
    desk.field("Quantity").value = "0.25"
    await desk.shows(lambda: cost_line(desk).text, "Nothing in the book to buy from now")
    user.find(kind=ui.button, content="Max").click()
    assert desk.field("Quantity").error == "no asks in the book to buy from now"

    maker = await desk.register("maker")
    await desk.place(maker, "sell", "100.00", "0.1")
    await desk.place(maker, "sell", "101.50", "0.2")

    # 0.1 @ 100.00 + 0.15 @ 101.50 = 25.225, with the 20 bps taker fee 0.05045: 25.27545, about 25.28.
    await desk.shows(lambda: cost_line(desk).text, "Cost ≈ 25.28 USD, fee ≤ 0.06 USD (0.2%)")
    desk.field("Quantity").value = "1"
    await desk.shows(
        lambda: cost_line(desk).text, "Cost ≈ 30.36 USD, fee ≤ 0.07 USD (0.2%); the book has only 0.3000 BTC"
    )


async def test_a_market_buy_beyond_the_balance_is_said_to_be_cut_to_it_not_refused(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "sell", "100.00", "0.1")
    await desk.place(maker, "sell", "101.50", "0.2")
    alice = await desk.register("alice_cut")
    await leave(alice, "USD", "20")
    await sign_in_as(desk, "alice_cut")
    choose(desk, "order-type", "market")
    desk.field("Quantity").value = "0.25"

    await desk.shows(
        lambda: cost_line(desk).text,
        "Cost ≈ 25.28 USD, fee ≤ 0.06 USD (0.2%); more than is available: it buys only what the balance pays for",
    )
    assert "text-warning" in cost_line(desk).classes and "text-negative" not in cost_line(desk).classes


async def test_the_forms_available_amount_is_the_balances_panels(user: User, desk: Desk) -> None:
    alice = await desk.register("alice_agrees")
    await leave(alice, "USD", "9368.242874")  # a quote balance carries the fees' six decimals
    await leave(alice, "BTC", "0.5")
    await sign_in_as(desk, "alice_agrees")

    await desk.shows(lambda: desk.column("balances", "available"), ["0.5000", "9368.24"])
    await desk.shows(lambda: desk.one(ui.label, "order-available").text, "Available 9368.24 USD")
    choose(desk, "order-side", "sell")
    await desk.shows(lambda: desk.one(ui.label, "order-available").text, "Available 0.5000 BTC")


async def test_max_fills_the_most_whole_lots_the_balance_pays_for_with_the_fee(user: User, desk: Desk) -> None:
    alice = await desk.register("alice_max")
    await leave(alice, "USD", "12.36468")  # 0.1234 @ 100.00 is 12.34, and 0.02468 at 20 bps
    await leave(alice, "BTC", "0.5678")
    await sign_in_as(desk, "alice_max")
    await desk.shows(lambda: desk.one(ui.label, "order-available").text, "Available 12.36 USD")

    user.find(kind=ui.button, content="Max").click()
    assert desk.field("Price").error == "enter a price first: the most you can buy depends on it"
    desk.field("Price").value = "100"
    user.find(kind=ui.button, content="Max").click()
    assert desk.field("Quantity").value == "0.1234"
    desk.field("Price").value = "100.01"  # a tick dearer: one lot less
    user.find(kind=ui.button, content="Max").click()
    assert desk.field("Quantity").value == "0.1233"

    choose(desk, "order-side", "sell")
    user.find(kind=ui.button, content="Max").click()
    assert desk.field("Quantity").value == "0.5678"  # all the BTC available


async def test_an_order_beyond_the_balance_shows_insufficient_funds_beside_the_quantity(user: User, desk: Desk) -> None:
    alice = await desk.register("alice_poor")
    await leave(alice, "USD", "10")
    await sign_in_as(desk, "alice_poor")
    desk.field("Price").value = "100"
    desk.field("Quantity").value = "0.5"
    await desk.shows(lambda: "short by 40.10 USD" in cost_line(desk).text, True)  # said before placing, in red
    assert "text-negative" in cost_line(desk).classes

    user.find(kind=ui.button, content="Buy BTC").click()

    await desk.shows(
        lambda: desk.field("Quantity").error,
        "insufficient funds: needs 50.10 USD, available 10.00 USD, short by 40.10 USD",
    )
    assert await desk.orders(alice) == []


async def test_the_balances_panel_follows_the_traders_orders_and_a_fill_by_another_trader(
    user: User, desk: Desk
) -> None:
    alice = await desk.register("alice_panel")
    await leave(alice, "BTC", "1")
    await leave(alice, "USD", "1000")
    await sign_in_as(desk, "alice_panel")
    await desk.shows(lambda: desk.column("balances", "available"), ["1.0000", "1000.00"])
    assert desk.column("balances", "asset") == ["BTC", "USD"]

    await desk.place(alice, "sell", "100.00", "0.1")  # from another client of the exchange: the API, another tab
    await desk.shows(lambda: desk.column("balances", "held"), ["0.1000", "0.00"])
    assert desk.column("balances", "available") == ["0.9000", "1000.00"]

    bob = await desk.register("bob")
    await desk.place(bob, "buy", "100.00", "0.1")  # fills alice's sell: she was the maker, 10 bps of 10.00

    await desk.shows(lambda: desk.column("balances", "available"), ["0.9000", "1009.99"])
    assert desk.column("balances", "held") == ["0.0000", "0.00"]
    await desk.shows(lambda: desk.one(ui.label, "order-available").text, "Available 1009.99 USD")


async def test_the_balances_panel_follows_a_fill_in_another_market_that_shares_its_quote(
    user: User, desk: Desk
) -> None:
    alice = await desk.register("alice_eth")
    await leave(alice, "USD", "1000")
    await sign_in_as(desk, "alice_eth")  # on BTC-USD's page
    await desk.shows(lambda: desk.column("balances", "available")[1:], ["1000.00"])
    exchange = (await services.started()).exchange

    def eth(side: Side) -> OrderCreate:
        return OrderCreate(symbol="ETH-USD", side=side, price=Decimal("100.00"), quantity=Decimal("1"))

    await exchange.commands.place_order(trader_id=alice, order_in=eth("buy"))  # holds 100.00 USD and the 0.10 maker fee
    await desk.shows(lambda: desk.column("balances", "held")[1], "100.10")
    await exchange.commands.place_order(trader_id=await desk.register("bob_eth"), order_in=eth("sell"))

    await desk.shows(lambda: desk.column("balances", "held")[1], "0.00")
    assert desk.column("balances", "available")[1] == "899.90"


async def test_the_balances_panel_cuts_amounts_to_the_assets_places_and_keeps_the_exact_ones_for_the_tooltip(
    user: User, desk: Desk
) -> None:
    alice = await desk.register("alice_places")
    await leave(alice, "BTC", "0.5")
    await leave(alice, "USD", "4601.999999")  # a fee's 6 decimals: cut to 4601.99, never rounded up to 4602.00
    await sign_in_as(desk, "alice_places")

    await desk.shows(lambda: desk.column("balances", "available"), ["0.5000", "4601.99"])
    assert desk.column("balances", "available_exact") == ["0.5000", "4601.999999"]
    assert desk.column("balances", "held_exact") == ["0.0000", "0.000000"]


async def test_in_orders_says_which_markets_orders_hold_the_asset(user: User, desk: Desk) -> None:
    alice = await desk.register("alice_holds")
    await sign_in_as(desk, "alice_holds")  # on BTC-USD's page, with nothing resting in BTC-USD
    await desk.shows(lambda: desk.column("balances", "held_where"), ["", ""])
    eth_buy = OrderCreate(symbol="ETH-USD", side="buy", price=Decimal("100.00"), quantity=Decimal("1"))

    await (await services.started()).exchange.commands.place_order(trader_id=alice, order_in=eth_buy)

    await desk.shows(lambda: desk.column("balances", "held_where"), ["", "in ETH-USD bids"])
    await desk.place(alice, "sell", "500.00", "0.1")
    await desk.shows(lambda: desk.column("balances", "held_where"), ["in BTC-USD asks", "in ETH-USD bids"])
    await desk.place(alice, "buy", "99.00", "0.1")
    await desk.shows(lambda: desk.column("balances", "held_where")[1], "in BTC-USD bids, ETH-USD bids")
