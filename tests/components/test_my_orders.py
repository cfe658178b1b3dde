"""My open orders in a simulated browser on the real app: a cancelled row stays put; cancel all asks first."""

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
