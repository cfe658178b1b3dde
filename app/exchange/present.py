"""Turning the exchange's results into what the API and the UI show: decimals as text to the market's tick or lot."""

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN

from app.domain.results import FillResult, OrderResult
from app.domain.rules import MarketRules
from models import FillPublic, LevelPublic, OrderPublic, Trade, TradePublic
from models.clock import aware


def fill_public(fill: FillResult, rules: MarketRules) -> FillPublic:
    return FillPublic(
        id=fill.id,
        price=rules.price_text(fill.price),
        quantity=rules.quantity_text(fill.quantity),
        taker_side=fill.taker_side,  # type: ignore[arg-type]
        created_at=fill.created_at,
        fee=rules.notional_text(fill.fee),
        fee_asset=rules.quote,
    )


def trade_public(trade: Trade, rules: MarketRules) -> TradePublic:
    assert trade.id is not None
    return TradePublic(
        id=trade.id,
        price=rules.price_text(trade.price),
        quantity=rules.quantity_text(trade.quantity),
        taker_side=trade.taker_side,  # type: ignore[arg-type]
        created_at=aware(trade.created_at),
        symbol=rules.symbol,
    )


def order_public(order: OrderResult, rules: MarketRules) -> OrderPublic:
    """The one way an order leaves the exchange: the same shape whether it was just placed or read back.

    The average fill price is shown at the tick like every price, rounded half to even (a mean is rarely on the tick).
    """
    average = order.average_price
    return OrderPublic(
        id=order.id,
        client_order_id=order.client_order_id,
        symbol=rules.symbol,
        side=order.side,  # type: ignore[arg-type]
        type=order.type,  # type: ignore[arg-type]
        price=None if order.price is None else rules.price_text(order.price),
        quantity=rules.quantity_text(order.quantity),
        filled_quantity=rules.quantity_text(order.filled_quantity),
        remaining_quantity=rules.quantity_text(order.remaining_quantity),
        average_price=None if average is None else rules.price_text(average.quantize(rules.tick_size, ROUND_HALF_EVEN)),
        status=order.status,  # type: ignore[arg-type]
        time_in_force=order.time_in_force,  # type: ignore[arg-type]
        post_only=order.post_only,
        created_at=order.created_at,
        updated_at=order.updated_at,
        trades=[fill_public(fill, rules) for fill in order.fills],
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
