"""What a trader is told when the exchange refuses something the page asked for away from a form's field: a sentence."""

from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from app.settings import Settings, load_settings
from tests.components.conftest import Desk
from tests.servers import STARTING_BALANCES


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The components' settings, with at most two resting orders per market: the third is refused as a whole."""
    return load_settings(
        [],
        {
            "DATABASE_URL": f"sqlite:///{(tmp_path / 'orderbook.db').resolve()}",
            "STORAGE_SECRET": "component-tests-secret",
            "ORDERBOOK_STARTING_BALANCES": STARTING_BALANCES,
            "ORDERBOOK_MAX_RESTING_ORDERS": "2",
        },
    )


async def test_an_order_refused_as_a_whole_is_told_in_a_sentence(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    await desk.place(alice, "buy", "90.00", "0.1")
    await desk.place(alice, "buy", "91.00", "0.1")
    user.find(kind=ui.input, content="Price").type("92")
    user.find(kind=ui.input, content="Quantity").type("0.1")

    user.find(kind=ui.button, content="Buy BTC").click()

    await user.should_see(
        "You have 2 resting orders in BTC-USD, the most allowed: cancel some before placing more", retries=50
    )
    assert len(await desk.orders(alice)) == 2


async def test_cancelling_an_order_that_filled_meanwhile_says_so_in_a_sentence(user: User, desk: Desk) -> None:
    bob = await desk.register("bob")
    alice = await desk.sign_in("alice")
    mine = await desk.place(alice, "buy", "100.00", "0.1")
    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(mine.id)])
    await desk.place(bob, "sell", "100.00", "0.1")  # fills it before the trader's click arrives

    desk.trigger(ui.table, "my-open-orders", "cancel", mine.id)

    await user.should_see(f"Order {mine.id} is filled, not resting: it cannot be changed", retries=50)
