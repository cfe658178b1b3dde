"""The order form in a simulated browser on the real app: Enter, market orders, and what a trader is told."""

from nicegui import ui
from nicegui.testing import User

from components.order_form import outcome
from tests.components.conftest import Desk
from tests.components.rules import btc_usd_rules


def form_field(desk: Desk, name: str) -> ui.element:
    """A form field by its data-field, shown or not (`user.find` sees only what is shown)."""
    return desk.one_of({e for e in desk.user.current_layout.descendants() if e.props.get("data-field") == name})


def choose_market(desk: Desk) -> None:
    with desk.user.client:
        desk.one(ui.toggle, "order-type").value = "market"


async def test_enter_in_the_quantity_field_places_the_order(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100")
    user.find(kind=ui.input, content="Quantity").type("0.5")

    user.find(kind=ui.input, content="Quantity").trigger("keydown.enter")

    await desk.shows(lambda: desk.column("my-open-orders", "price"), ["100.00"])
    assert [(order.price, order.quantity) for order in await desk.orders(alice)] == [("100.00", "0.5000")]


async def test_a_market_order_offers_no_price_no_post_only_and_only_ioc_or_fok(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100")
    user.find(kind=ui.checkbox, content="Post-only").click()

    choose_market(desk)

    time_in_force = desk.one_of(user.find(kind=ui.select, content="Time in force").elements)
    assert (list(time_in_force.options), time_in_force.value) == (["IOC", "FOK"], "IOC")
    price, post_only = form_field(desk, "price"), form_field(desk, "post_only")
    assert isinstance(price, ui.input) and isinstance(post_only, ui.checkbox)
    assert (price.visible, price.value) == (False, "")
    assert (post_only.visible, post_only.value) == (False, False)


async def test_a_market_order_from_the_form_is_immediate_or_cancel(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "sell", "101.00", "0.2")
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100")  # typed for a limit order, then left behind
    choose_market(desk)
    user.find(kind=ui.input, content="Quantity").type("0.5")

    user.find(kind=ui.button, content="Buy BTC").click()

    await user.should_see("Bought 0.2000 BTC at 101.00 USD; the other 0.3000 BTC expired (IOC)")
    [order] = await desk.orders(alice)
    assert (order.type, order.price, order.time_in_force, order.filled_quantity) == ("market", None, "IOC", "0.2000")


async def test_back_to_a_limit_order_offers_good_till_cancelled_again(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")
    choose_market(desk)

    with user.client:
        desk.one(ui.toggle, "order-type").value = "limit"

    time_in_force = desk.one_of(user.find(kind=ui.select, content="Time in force").elements)
    assert (list(time_in_force.options), time_in_force.value) == (["GTC", "IOC", "FOK"], "GTC")
    assert form_field(desk, "price").visible and form_field(desk, "post_only").visible


async def test_a_post_only_order_that_would_match_is_reported_rejected_with_the_reason(user: User, desk: Desk) -> None:
    maker = await desk.register("maker")
    await desk.place(maker, "sell", "101.00", "0.2")
    alice = await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("101")
    user.find(kind=ui.input, content="Quantity").type("0.1")
    user.find(kind=ui.checkbox, content="Post-only").click()

    user.find(kind=ui.button, content="Buy BTC").click()

    await user.should_see("Buy 0.1000 BTC at 101.00 USD not placed: it is post-only and would have traded at once")
    assert [order.status for order in await desk.orders(alice)] == ["rejected"]


async def test_placed_rejected_and_expired_orders_are_told_apart(user: User, desk: Desk) -> None:
    maker, alice = await desk.register("maker"), await desk.register("alice")
    await desk.place(maker, "sell", "101.00", "0.2")

    resting = await desk.place(alice, "buy", "99.00", "0.1")
    crossing = await desk.place(alice, "buy", "101.00", "0.1")

    rules = btc_usd_rules()
    assert outcome(resting, rules) == ("Buy 0.1000 BTC at 99.00 USD placed: it rests in the book", "positive")
    assert outcome(crossing, rules) == ("Bought 0.1000 BTC at 101.00 USD", "positive")
    assert outcome(resting.model_copy(update={"status": "rejected"}), rules)[1] == "negative"
    assert outcome(resting.model_copy(update={"status": "expired"}), rules)[1] == "warning"
