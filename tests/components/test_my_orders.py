"""My open orders in a simulated browser on the real app: a cancelled row stays put; cancel all asks first; values."""

from nicegui import ui
from nicegui.testing import User

from tests.components.conftest import Desk


async def test_a_cancelled_row_stays_in_place_greyed_until_the_pointer_leaves(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    first = await desk.place(alice, "buy", "99.00", "0.1")
    second = await desk.place(alice, "buy", "98.00", "0.1")
    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(second.id), str(first.id)])

    desk.trigger(ui.table, "my-open-orders", "cancel", second.id)

    await desk.shows(lambda: desk.column("my-closed-orders", "id"), [str(second.id)])
    assert desk.column("my-open-orders", "id") == [str(second.id), str(first.id)]  # the next Cancel did not move
    rows = desk.one(ui.table, "my-open-orders").rows
    assert [(row["status"], row.get("cancelled", False)) for row in rows] == [("cancelled", True), ("open", False)]

    desk.trigger(ui.table, "my-open-orders", "mouseleave", None)

    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(first.id)])


async def test_cancel_all_asks_how_many_and_keeping_them_cancels_nothing(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    for price in ("97.00", "98.00", "99.00"):
        await desk.place(alice, "buy", price, "0.1")
    await desk.shows(lambda: len(desk.column("my-open-orders", "id")), 3)

    user.find(kind=ui.button, content="Cancel all").click()
    await user.should_see("Cancel your 3 open orders in BTC-USD?")
    user.find(kind=ui.button, content="Keep them").click()

    [dialog] = [element for element in user.current_layout.descendants() if isinstance(element, ui.dialog)]
    await desk.shows(lambda: dialog.value, False)
    assert [order.status for order in await desk.orders(alice)] == ["open"] * 3
    assert len(desk.column("my-open-orders", "id")) == 3


async def test_the_order_tables_show_each_orders_time_and_average_fill_price_at_the_tick(
    user: User, desk: Desk
) -> None:
    alice = await desk.sign_in("alice")
    bob = await desk.register("bob")
    resting = await desk.place(alice, "buy", "99.00", "0.1")
    await desk.place(bob, "sell", "99.00", "0.1")  # fills it in full: it moves to the closed table
    await desk.place(bob, "sell", "100.00", "0.1")
    await desk.place(bob, "sell", "100.02", "0.2")
    partly = await desk.place(alice, "buy", "100.02", "0.5")  # 0.1 @ 100.00 and 0.2 @ 100.02, the rest rests

    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(partly.id)])
    # (10.000 + 20.004) / 0.3 = 100.01333...: the exact mean, shown at the tick.
    assert desk.column("my-open-orders", "average_price") == ["100.01"]
    assert desk.column("my-open-orders", "time") == [partly.created_at.strftime("%H:%M:%S")]
    await desk.shows(lambda: desk.column("my-closed-orders", "id"), [str(resting.id)])
    assert desk.column("my-closed-orders", "average_price") == ["99.00"]
    [closed] = await desk.orders(alice, "closed")
    assert desk.column("my-closed-orders", "time") == [closed.updated_at.strftime("%H:%M:%S")]  # when it closed


async def test_an_order_with_no_fill_shows_a_dash_for_its_average_price(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    await desk.place(alice, "buy", "99.00", "0.1")
    await desk.shows(lambda: desk.column("my-open-orders", "average_price"), ["–"])


async def test_the_open_orders_show_each_orders_value_exactly_in_the_quote_currency(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    await desk.place(alice, "buy", "99.50", "0.2")
    await desk.place(alice, "buy", "99.99", "0.1234")

    # Newest first: 99.99 x 0.1234 needs every decimal; 99.50 x 0.2 is shown at the price's two.
    await desk.shows(lambda: desk.column("my-open-orders", "value"), ["12.338766", "19.90"])


async def test_recently_closed_is_sorted_by_when_each_order_closed_and_shows_that_time_and_its_fees(
    user: User, desk: Desk
) -> None:
    alice = await desk.sign_in("alice")
    bob = await desk.register("bob")
    placed_first = await desk.place(alice, "buy", "99.00", "0.1")
    placed_last = await desk.place(alice, "buy", "98.00", "0.1")
    desk.trigger(ui.table, "my-open-orders", "cancel", placed_last.id)  # closes first
    await desk.shows(lambda: desk.column("my-closed-orders", "id"), [str(placed_last.id)])
    await desk.place(bob, "sell", "99.00", "0.1")  # fills the order placed first: it closes last

    await desk.shows(lambda: desk.column("my-closed-orders", "id"), [str(placed_first.id), str(placed_last.id)])
    [filled] = [order for order in await desk.orders(alice, "closed") if order.id == placed_first.id]
    assert desk.column("my-closed-orders", "time")[0] == filled.updated_at.strftime("%H:%M:%S")
    assert filled.updated_at > placed_last.created_at
    # The maker fee of 10 bps on 99.00 x 0.1 = 9.90 USD; the cancelled order paid none.
    assert desk.column("my-closed-orders", "fee") == ["0.0099", "–"]
    labels = [column["label"] for column in desk.one(ui.table, "my-closed-orders").columns]
    assert "Closed (UTC)" in labels and "Fee (USD)" in labels


async def test_recently_closed_links_to_the_full_history_in_the_api(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")

    [link] = user.find(kind=ui.link, content="Full history").elements
    assert link.props["href"] == "/docs#/history/list_fills_api_fills_get"
    document = await user.http_client.get("/openapi.json")  # the link opens the API's list of the trader's fills
    assert document.json()["paths"]["/api/fills"]["get"]["operationId"] == "list_fills_api_fills_get"


async def test_an_amend_the_exchange_refuses_shows_why_beside_the_field_and_changes_nothing(
    user: User, desk: Desk
) -> None:
    alice = await desk.sign_in("alice")
    order = await desk.place(alice, "buy", "99.00", "0.1")
    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(order.id)])
    desk.trigger(ui.table, "my-open-orders", "amend", order.id)
    await user.should_see(f"Amend buy order {order.id}")
    [quantity] = [e for e in user.find(kind=ui.input).elements if e.props.get("data-field") == "amend_quantity"]

    quantity.set_value("0.5")  # more than the order has: a resting order's size only goes down in place
    user.find(kind=ui.button, content="Amend").click()

    await desk.shows(lambda: bool(quantity.error), True)
    assert quantity.error == "must be less than the current quantity 0.1000: orders can only be reduced"
    dialogs = [element for element in user.current_layout.descendants() if isinstance(element, ui.dialog)]
    assert sum(dialog.value for dialog in dialogs) == 1  # the amend dialog stays open, for the trader to correct
    assert [(o.price, o.quantity) for o in await desk.orders(alice, "open")] == [("99.00", "0.1000")]
