"""The read side: trades and a trader's orders, straight from the database (run in a worker thread)."""

from typing import Literal

from sqlmodel import Session, col, select

from app.domain.results import OrderResult
from app.domain.rules import MarketRules
from app.store import writes
from models import Order, Trade
from models.enums import RESTING_STATUSES

StatusFilter = Literal["open", "closed", "all"]
# Newest first by when the order was placed (its id), or by its last change (`updated_at`: for a closed order, when it
# closed), as a history of closed orders reads.
Newest = Literal["placed", "changed"]


def recent_trades(session: Session, rules: MarketRules, limit: int) -> list[Trade]:
    """A market's trades, newest first."""
    return list(
        session.exec(select(Trade).where(Trade.market_id == rules.id).order_by(col(Trade.id).desc()).limit(limit)).all()
    )


def trader_orders(
    session: Session,
    *,
    trader_id: int,
    status: StatusFilter,
    market_id: int | None,
    limit: int,
    newest: Newest = "placed",
) -> list[OrderResult]:
    """A trader's orders, newest first (placed, or last changed), each with its fills."""
    query = select(Order).where(Order.trader_id == trader_id)
    if status == "open":
        query = query.where(col(Order.status).in_(RESTING_STATUSES))
    elif status == "closed":
        query = query.where(col(Order.status).not_in(RESTING_STATUSES))
    if market_id is not None:
        query = query.where(Order.market_id == market_id)
    order = (col(Order.updated_at).desc(), col(Order.id).desc()) if newest == "changed" else (col(Order.id).desc(),)
    orders = session.exec(query.order_by(*order).limit(limit)).all()
    fills = writes.fills_of(session, [order.id for order in orders if order.id is not None])
    return [OrderResult.of_row(order, fills[order.id]) for order in orders if order.id]


def trader_order(session: Session, *, trader_id: int, order_id: int) -> OrderResult | None:
    """One of the trader's orders, or None when it is not theirs."""
    order = writes.find_order(session, trader_id, order_id)
    if order is None or order.id is None:
        return None
    return OrderResult.of_row(order, writes.fills_of(session, [order.id])[order.id])
