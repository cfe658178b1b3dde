"""What the committed batches of one market did to the subscribed traders' orders, fills and balances: one read in a
worker thread for every subscriber, in the REST API's shapes."""

import json
from dataclasses import dataclass, field

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.domain.results import FillResult, OrderResult
from app.domain.rules import MarketRules
from app.exchange.present import fill_public, order_public
from app.exchange.reads import balances_public
from app.store import journal, writes
from models import BalancePublic, Order


@dataclass
class PrivateChanges:
    """The changes found after one sequence, up to `last`, for each trader: each as the JSON object a socket is sent."""

    last: int
    orders: dict[int, list[dict]] = field(default_factory=dict)
    fills: dict[int, list[dict]] = field(default_factory=dict)
    balances: dict[int, list[BalancePublic]] = field(default_factory=dict)


def read_changes(
    session: Session,
    rules: MarketRules,
    after: int,
    *,
    order_traders: frozenset[int],
    balance_traders: frozenset[int],
    places: dict[str, int],
) -> PrivateChanges:
    """The orders and fills of `order_traders` changed in the market's batches after sequence `after`, and the balances
    of the `balance_traders` those batches touched. The batches are those of the change journal, which commits with
    each batch, so what is read here is exactly what the journal's rows name."""
    rows = journal.rows_after(session, rules.id, after)
    if not rows:
        return PrivateChanges(after)
    changes = PrivateChanges(rows[-1][0])
    touched: set[int] = set()
    order_ids: set[int] = set()  # orders of earlier batches that these batches changed (new ones carry the sequence)
    for _sequence, text, traders in rows:
        their = set(json.loads(traders)) & (order_traders | balance_traders)
        if not their:
            continue
        touched |= their
        data = json.loads(text)
        order_ids.update(amended[0] for amended in data["amended"])
        order_ids.update(data["removed"])
        for trade in data["trades"]:
            order_ids.update((trade[4], trade[5]))
    if touched & order_traders:
        read_orders(session, rules, after, changes, touched & order_traders, order_ids)
    if touched & balance_traders:
        found = writes.lock_balances(session, touched & balance_traders, places, lock=False)
        changes.balances = balances_public(touched & balance_traders, found, places)
    return changes


def read_orders(
    session: Session, rules: MarketRules, after: int, changes: PrivateChanges, traders: set[int], order_ids: set[int]
) -> None:
    """Each changed order of `traders` in its state as stored (as `GET /api/orders/{id}`), and its new fills."""
    new = and_(col(Order.sequence) > after, col(Order.sequence) <= changes.last)
    changed = or_(new, col(Order.id).in_(order_ids)) if order_ids else new
    query = select(Order).where(Order.market_id == rules.id, col(Order.trader_id).in_(traders), changed)
    orders = list(session.exec(query.order_by(col(Order.id))).all())
    fills = writes.fills_of(session, [order.id for order in orders if order.id is not None])
    for order in orders:
        assert order.id is not None
        result = OrderResult.of_row(order, fills[order.id])
        changes.orders.setdefault(order.trader_id, []).append(order_public(result, rules).model_dump(mode="json"))
        for trade in fills[order.id]:
            if after < trade.sequence <= changes.last:
                fill = fill_public(FillResult.of_row(trade, order.id), rules).model_dump(mode="json")
                changes.fills.setdefault(order.trader_id, []).append(
                    {
                        "order_id": order.id,
                        "trade_id": fill["id"],
                        "market": rules.symbol,
                        "side": order.side,
                        "price": fill["price"],
                        "quantity": fill["quantity"],
                        "fee": fill["fee"],
                        "fee_asset": fill["fee_asset"],
                        "liquidity": "taker" if trade.taker_order_id == order.id else "maker",
                        "time": fill["created_at"],
                    }
                )
