"""The SQL a market's writer runs inside one transaction: lock, reload, allocate ids, write a batch."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, tuple_, update
from sqlmodel import Session, col

from app.domain.rules import MarketRules
from app.engine.orders import BookOrder
from models import Balance, Market, Order, Trade
from models.clock import aware
from models.enums import RESTING_STATUSES

ORDERS = Order.__table__  # type: ignore[attr-defined]
TRADES = Trade.__table__  # type: ignore[attr-defined]
MARKETS = Market.__table__  # type: ignore[attr-defined]
BALANCES = Balance.__table__  # type: ignore[attr-defined]
# The statuses as literals in the SQL, not bound parameters: only then can SQLite and PostgreSQL (generic plans) prove
# that the query wants what the partial index ix_orders_resting_market_sequence holds.
IS_RESTING = ORDERS.c.status.in_(bindparam("resting", list(RESTING_STATUSES), expanding=True, literal_execute=True))


@dataclass(frozen=True, slots=True)
class MarketLock:
    """What a batch reads first, with the market locked until it commits."""

    sequence: int
    fees_collected: Decimal
    # SQLite: the highest order and trade ids, from which the batch numbers its new rows. PostgreSQL: None (its
    # sequences hand the ids out).
    last_order_id: int | None = None
    last_trade_id: int | None = None


def _last_id(table: Any) -> Any:
    # A bare max() inside: SQLite reads it off the end of the primary key.
    return func.coalesce(select(func.max(table.c.id)).scalar_subquery(), 0)


def lock_market(session: Session, market_id: int) -> MarketLock:
    """The stored sequence and fees collected, with the market locked until commit (SQLite: BEGIN IMMEDIATE).

    SQLite: the last order and trade ids come in the same statement; the write lock is held, so nobody else can take
    the next ones before this batch commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        query = select(MARKETS.c.sequence, MARKETS.c.fees_collected).where(MARKETS.c.id == market_id)
        row = session.execute(query.with_for_update()).one()
        return MarketLock(int(row.sequence), row.fees_collected)
    query = select(
        MARKETS.c.sequence,
        MARKETS.c.fees_collected,
        _last_id(ORDERS).label("last_order_id"),
        _last_id(TRADES).label("last_trade_id"),
    ).where(MARKETS.c.id == market_id)
    row = session.execute(query).one()
    return MarketLock(int(row.sequence), row.fees_collected, int(row.last_order_id), int(row.last_trade_id))


def lock_balances(
    session: Session, trader_ids: Iterable[int], assets: Iterable[str], *, lock: bool = True
) -> list[tuple[int, str, Decimal, Decimal]]:
    """These traders' balances of these assets, in one query; PostgreSQL locks them in (trader, asset) order.

    The order matters: two writers locking overlapping rows in the same order wait for each other instead of
    deadlocking (a deadlock can still come from rows locked in two steps: the writer retries the batch).
    """
    traders, wanted = sorted(set(trader_ids)), sorted(set(assets))
    if not traders:
        return []
    query = (
        select(BALANCES.c.trader_id, BALANCES.c.asset, BALANCES.c.available, BALANCES.c.held)
        .where(BALANCES.c.trader_id.in_(traders), BALANCES.c.asset.in_(wanted))
        .order_by(BALANCES.c.trader_id, BALANCES.c.asset)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return [(row.trader_id, row.asset, row.available, row.held) for row in session.execute(query)]


def write_balances(session: Session, updates: list[dict], inserts: list[dict]) -> None:
    """Write back a batch's balances: one executemany for the rows that exist, one for new ones."""
    if updates:
        session.execute(
            update(BALANCES)
            .where(BALANCES.c.trader_id == bindparam("b_trader_id"), BALANCES.c.asset == bindparam("b_asset"))
            .values(available=bindparam("b_available"), held=bindparam("b_held")),
            updates,
        )
    if inserts:
        session.execute(
            insert(BALANCES),
            [
                {
                    "trader_id": row["b_trader_id"],
                    "asset": row["b_asset"],
                    "available": row["b_available"],
                    "held": row["b_held"],
                }
                for row in inserts
            ],
        )


def stored_sequences(session: Session) -> dict[int, int]:
    """Every market's stored sequence: the cheap check for changes made by other processes."""
    return {row.id: row.sequence for row in session.execute(select(MARKETS.c.id, MARKETS.c.sequence))}


def resting_orders(session: Session, rules: MarketRules) -> Iterator[BookOrder]:
    """The market's resting orders in time priority, as engine orders."""
    rows = session.execute(
        select(ORDERS).where(ORDERS.c.market_id == rules.id, IS_RESTING).order_by(ORDERS.c.sequence, ORDERS.c.id)
    )
    for row in rows:
        yield BookOrder(
            id=row.id,
            trader_id=row.trader_id,
            side=row.side,
            price=rules.ticks(row.price),
            quantity=rules.lots(row.quantity),
            type=row.type,
            time_in_force=row.time_in_force,
            post_only=row.post_only,
            filled=rules.lots(row.filled_quantity),
            status=row.status,
        )


def orders_by_client_order_id(session: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Order]:
    """The stored orders with these (trader id, client order id), in one query, by that key."""
    if not keys:
        return {}
    query = select(Order).where(tuple_(ORDERS.c.trader_id, ORDERS.c.client_order_id).in_(keys))
    rows = session.exec(query).scalars()  # type: ignore[call-overload]
    return {(row.trader_id, row.client_order_id): row for row in rows}


def find_order(session: Session, trader_id: int, order_id: int) -> Order | None:
    return session.exec(  # type: ignore[call-overload]
        select(Order).where(col(Order.id) == order_id, col(Order.trader_id) == trader_id)
    ).scalar_one_or_none()


def orders_by_id(session: Session, order_ids: list[int]) -> list[Order]:
    """The stored orders with these ids, in one query."""
    if not order_ids:
        return []
    return list(session.exec(select(Order).where(ORDERS.c.id.in_(order_ids))).scalars())  # type: ignore[call-overload]


class IdAllocator:
    """Ids for new rows, taken inside the batch's transaction so that the batch can be written in bulk."""

    def __init__(self, session: Session, table: Any, *, expected: int = 16, last: int | None = None) -> None:
        self.session = session
        self.table = table
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.block = max(1, expected)  # PostgreSQL: how many ids the first round trip takes
        self.free: list[int] = []
        self.last = last  # SQLite: the highest id stored, if already read under the write lock

    def next(self) -> int:
        if self.postgres:
            if not self.free:
                # One round trip per block; an id left unused is only a gap.
                sequence = f"pg_get_serial_sequence('{self.table.name}', 'id')"
                query = text(f"SELECT nextval({sequence}) FROM generate_series(1, :count)")
                self.free = list(self.session.execute(query, {"count": self.block}).scalars())[::-1]
                self.block = 16
            return self.free.pop()
        if self.last is None:
            # SQLite: the write lock is held, so nobody else can take the next id.
            self.last = int(self.session.execute(select(func.coalesce(func.max(self.table.c.id), 0))).scalar_one())
        self.last += 1
        return self.last


def order_row(order: BookOrder, rules: MarketRules, client_order_id: str | None, sequence: int, now: datetime) -> dict:
    return {
        "id": order.id,
        "market_id": rules.id,
        "trader_id": order.trader_id,
        "client_order_id": client_order_id,
        "side": order.side,
        "type": order.type,
        "price": None if order.price is None else rules.price_of(order.price),
        "quantity": rules.quantity_of(order.quantity),
        "filled_quantity": rules.quantity_of(order.filled),
        "status": order.status,
        "time_in_force": order.time_in_force,
        "post_only": order.post_only,
        "sequence": sequence,
        "created_at": now,
        "updated_at": now,
    }


def write_batch(
    session: Session,
    *,
    market_id: int,
    sequence: int,
    new_orders: list[dict],
    new_trades: list[dict],
    changed_orders: list[dict],
    fees_collected: Decimal,
) -> None:
    """Write what a batch did, in bulk, and move the market's sequence: all in the caller's transaction."""
    if new_orders:
        session.execute(insert(ORDERS), new_orders)
    if new_trades:
        session.execute(insert(TRADES), new_trades)
    if changed_orders:
        session.execute(
            update(ORDERS)
            .where(ORDERS.c.id == bindparam("changed_id"))
            .values(
                quantity=bindparam("changed_quantity"),
                filled_quantity=bindparam("changed_filled_quantity"),
                status=bindparam("changed_status"),
                updated_at=bindparam("changed_updated_at"),
            ),
            [{f"changed_{key}": value for key, value in change.items()} for change in changed_orders],
        )
    session.execute(
        update(MARKETS).where(MARKETS.c.id == market_id).values(sequence=sequence, fees_collected=fees_collected)
    )


def fills_of(session: Session, order_ids: list[int]) -> dict[int, list[Trade]]:
    """The stored trades of each order (as taker or maker), oldest first."""
    fills: dict[int, list[Trade]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return fills
    trades = session.exec(  # type: ignore[call-overload]
        select(Trade)
        .where((Trade.taker_order_id.in_(order_ids)) | (Trade.maker_order_id.in_(order_ids)))  # type: ignore[attr-defined]
        .order_by(Trade.id)  # type: ignore[arg-type]
    ).scalars()
    for trade in trades:
        for order_id in (trade.taker_order_id, trade.maker_order_id):
            if order_id in fills:
                fills[order_id].append(trade)
    return fills


def batch_marker_stored(session: Session, marker: tuple[int, Any]) -> bool:
    """Whether the order row a batch wrote carries that batch's timestamp (the batch committed)."""
    order_id, written_at = marker
    updated_at = session.execute(select(ORDERS.c.updated_at).where(ORDERS.c.id == order_id)).scalar_one_or_none()
    return updated_at is not None and aware(updated_at) == written_at
