"""The market's rules on a trader's page: the steps, the smallest order and the fees, as the market has them."""

from nicegui import ui
from nicegui.testing import User

from components.ladder import OrderBookLadder
from tests.components.conftest import Desk


async def test_a_trader_sees_the_markets_steps_smallest_order_and_fees(user: User, desk: Desk) -> None:
    await desk.sign_in("alice")

    assert desk.column("market-rules", "rule") == ["Price step", "Quantity step", "Smallest order", "Fees"]
    assert desk.column("market-rules", "value") == ["0.01 USD", "0.0001 BTC", "1.00 USD", "maker 0.10%, taker 0.20%"]


async def test_a_visitors_page_has_no_market_rules(user: User) -> None:
    await user.open("/market/BTC-USD")

    assert user.find(OrderBookLadder).elements  # the page is there, with its book
    tables = [element for element in user.client.elements.values() if isinstance(element, ui.table)]
    assert not [table for table in tables if "market-rules" in table.classes]
