"""The trader's history straight from the database: their fills (trades joined to their orders) and ledger rows.

Run in a worker thread. Every query starts from the trader's own rows through an index (the orders' (trader, id), the
trades' taker and maker order ids, the ledger's trader) and walks newest first on (created_at, id), a unique key
that never changes once stored, so a cursor over it neither skips nor repeats rows while new ones arrive.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, literal, select, tuple_, union_all
from sqlmodel import Session

from app.store.writes import BALANCES, ORDERS, TRADES
from models import LedgerEntry
from models.clock import aware

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]

Key = tuple[datetime, int]  # (created_at, id) of a trade or a ledger row


@dataclass(frozen=True)
class FillRow:
    """One trade seen from one of the trader's orders."""

    trade_id: int
    market_id: int
    price: Decimal
    quantity: Decimal
    fee: Decimal
    created_at: datetime
    order_id: int
    side: str
    liquidity: str  # "maker" | "taker"


@dataclass(frozen=True)
class LedgerRow:
    id: int
    asset: str
    amount: Decimal
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class Window:
    """Which rows: created in [since, until), and strictly older (`before`) or newer (`after`) than a key."""

    since: datetime | None = None
    until: datetime | None = None
    before: Key | None = None
    before_inclusive: bool = False
    after: Key | None = None


def _filtered(query: Select, created_at: ColumnElement[datetime], row_id: ColumnElement[int], window: Window) -> Select:
    if window.since is not None:
        query = query.where(created_at >= window.since)
    if window.until is not None:
        query = query.where(created_at < window.until)
    key = tuple_(created_at, row_id)
    if window.before is not None:
        bound = tuple_(*window.before)
        query = query.where(key <= bound if window.before_inclusive else key < bound)
    if window.after is not None:
        query = query.where(key > tuple_(*window.after))
    return query


def trader_fills(
    session: Session, trader_id: int, window: Window, *, market_ids: list[int] | None = None, limit: int | None = None
) -> list[FillRow]:
    """The trader's fills in the window, newest first: as taker and as maker (one trade is one fill of theirs: a
    trader never trades with themselves)."""
    parts = []
    for liquidity, order_column, fee_column in (
        ("taker", TRADES.c.taker_order_id, TRADES.c.taker_fee),
        ("maker", TRADES.c.maker_order_id, TRADES.c.maker_fee),
    ):
        part = (
            select(
                TRADES.c.id.label("trade_id"),
                TRADES.c.market_id,
                TRADES.c.price,
                TRADES.c.quantity,
                fee_column.label("fee"),
                TRADES.c.created_at,
                ORDERS.c.id.label("order_id"),
                ORDERS.c.side,
                literal(liquidity).label("liquidity"),
            )
            .select_from(ORDERS.join(TRADES, order_column == ORDERS.c.id))
            .where(ORDERS.c.trader_id == trader_id)
        )
        if market_ids is not None:
            part = part.where(ORDERS.c.market_id.in_(market_ids))
        parts.append(_filtered(part, TRADES.c.created_at, TRADES.c.id, window))
    both = union_all(*parts).subquery()
    query = select(both).order_by(both.c.created_at.desc(), both.c.trade_id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        FillRow(
            trade_id=row.trade_id,
            market_id=row.market_id,
            price=row.price,
            quantity=row.quantity,
            fee=row.fee,
            created_at=aware(row.created_at),
            order_id=row.order_id,
            side=row.side,
            liquidity=row.liquidity,
        )
        for row in session.execute(query)
    ]


def trader_ledger(
    session: Session, trader_id: int, window: Window, *, assets: list[str] | None = None, limit: int | None = None
) -> list[LedgerRow]:
    """The trader's ledger rows (deposits, withdrawals, openings) in the window, newest first."""
    query = select(LEDGER.c.id, LEDGER.c.asset, LEDGER.c.amount, LEDGER.c.kind, LEDGER.c.created_at).where(
        LEDGER.c.trader_id == trader_id
    )
    if assets is not None:
        query = query.where(LEDGER.c.asset.in_(assets))
    query = _filtered(query, LEDGER.c.created_at, LEDGER.c.id, window)
    query = query.order_by(LEDGER.c.created_at.desc(), LEDGER.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        LedgerRow(id=row.id, asset=row.asset, amount=row.amount, kind=row.kind, created_at=aware(row.created_at))
        for row in session.execute(query)
    ]


def balance_totals(session: Session, trader_id: int) -> dict[str, Decimal]:
    """The trader's balance of each stored asset: available + held."""
    query = select(BALANCES.c.asset, BALANCES.c.available, BALANCES.c.held).where(BALANCES.c.trader_id == trader_id)
    return {row.asset: row.available + row.held for row in session.execute(query)}


def same_snapshot(session: Session) -> None:
    """Make every following query of the session read one snapshot (SQLite's read transaction already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
