"""The trading vocabulary: one set of words, whether the engine, the database or the API speaks it."""

import json
from typing import get_args

from models.enums import OrderStatus, OrderType, Side, TimeInForce
from models.order import OrderStatusChoice, OrderTypeChoice, SideChoice, TimeInForceChoice


def test_the_api_offers_exactly_the_values_of_each_enum() -> None:
    assert get_args(SideChoice) == tuple(Side)
    assert get_args(OrderTypeChoice) == tuple(OrderType)
    assert get_args(TimeInForceChoice) == tuple(TimeInForce)
    assert get_args(OrderStatusChoice) == tuple(OrderStatus)


def test_a_member_is_stored_and_sent_as_the_plain_string_it_replaced() -> None:
    assert json.dumps([Side.BUY, OrderStatus.PARTIALLY_FILLED]) == '["buy", "partially_filled"]'
    assert f"{TimeInForce.FOK}" == "FOK"
    assert {"market": 1}[OrderType.MARKET] == 1  # same hash: a member finds what its string keyed, and back
    assert {Side.SELL: 1}["sell"] == 1
