"""Turning stored rows into what the API and the UI show: decimals as text to the market's tick or lot."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from app.exchange.rules import MarketRules
from models import FillPublic, LevelPublic, OrderPublic, Trade, TradePublic
from models.clock import aware

RESTING_STATUSES = ("open", "partially_filled")


class TradeLike(Protocol):
    """A stored Trade, or the plain row of one the writer has not stored yet (no ORM object on the hot path)."""

    id: int | None
    price: Decimal
    quantity: Decimal
    taker_side: str
    created_at: datetime


class OrderLike(Protocol):
    id: int | None
    client_order_id: str | None
    side: str
    type: str
    price: Decimal | None
    quantity: Decimal
    filled_quantity: Decimal
    status: str
    time_in_force: str
    post_only: bool
    created_at: datetime
    updated_at: datetime


def fill_public(trade: TradeLike, rules: MarketRules) -> FillPublic:
    assert trade.id is not None
    return FillPublic(
        id=trade.id,
        price=rules.price_text(trade.price),
        quantity=rules.quantity_text(trade.quantity),
        taker_side=trade.taker_side,  # type: ignore[arg-type]
        created_at=aware(trade.created_at),
    )


def trade_public(trade: Trade, rules: MarketRules) -> TradePublic:
    return TradePublic(symbol=rules.symbol, **fill_public(trade, rules).model_dump())


def order_public(order: OrderLike, rules: MarketRules, fills: Iterable[TradeLike] = ()) -> OrderPublic:
    assert order.id is not None
    resting = order.status in RESTING_STATUSES
    remaining = order.quantity - order.filled_quantity if resting else Decimal(0)
    return OrderPublic(
        id=order.id,
        client_order_id=order.client_order_id,
        symbol=rules.symbol,
        side=order.side,  # type: ignore[arg-type]
        type=order.type,  # type: ignore[arg-type]
        price=None if order.price is None else rules.price_text(order.price),
        quantity=rules.quantity_text(order.quantity),
        filled_quantity=rules.quantity_text(order.filled_quantity),
        remaining_quantity=rules.quantity_text(remaining),
        status=order.status,  # type: ignore[arg-type]
        time_in_force=order.time_in_force,  # type: ignore[arg-type]
        post_only=order.post_only,
        created_at=aware(order.created_at),
        updated_at=aware(order.updated_at),
        trades=[fill_public(trade, rules) for trade in fills],
    )


def levels_public(levels: Sequence[tuple[int, int, int]], rules: MarketRules) -> list[LevelPublic]:
    """Engine levels (ticks, lots, count) as API levels."""
    return [
        LevelPublic(
            price=rules.price_text(rules.price_of(price)),
            quantity=rules.quantity_text(rules.quantity_of(quantity)),
            orders=count,
        )
        for price, quantity, count in levels
    ]
