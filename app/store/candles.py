"""Candles (OHLCV) from the trades table, aggregated by the database per interval, gaps filled as Binance does."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import text
from sqlmodel import Session

from app.domain.rules import MarketRules
from models import CandlePublic

Interval = Literal["1m", "5m", "1h", "1d"]
INTERVAL_SECONDS: dict[str, int] = {"1m": 60, "5m": 300, "1h": 3600, "1d": 86400}

# One row per interval that saw a trade: the first and last trade ids give open and close, the rest aggregates.
_BUCKETS = {
    "postgresql": """
        SELECT CAST(floor(extract(epoch FROM created_at) / :seconds) AS BIGINT) AS bucket,
               min(id) AS first_id, max(id) AS last_id, max(price) AS high, min(price) AS low,
               sum(quantity) AS volume, sum(price * quantity) AS quote_volume, count(*) AS trades
        FROM trades WHERE market_id = :market_id AND created_at >= :start AND id <= :up_to
        GROUP BY bucket ORDER BY bucket""",
    # SQLite keeps money as exact text: the decimal_* aggregates (app/store/sqlite_decimal.py) add it up exactly.
    "sqlite": """
        SELECT CAST(strftime('%s', created_at) AS INTEGER) / :seconds AS bucket,
               min(id) AS first_id, max(id) AS last_id, decimal_max(price) AS high, decimal_min(price) AS low,
               decimal_sum(quantity) AS volume, decimal_notional(price, quantity) AS quote_volume, count(*) AS trades
        FROM trades WHERE market_id = :market_id AND created_at >= :start AND id <= :up_to
        GROUP BY bucket ORDER BY bucket""",
}


@dataclass(frozen=True, slots=True)
class Bucket:
    """What the database says about one interval that saw trades."""

    index: int  # seconds since the epoch // interval
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int


def window_start(now: datetime, seconds: int, limit: int) -> int:
    """The index of the oldest interval of the `limit` latest, the current (still open) one included."""
    return int(now.timestamp()) // seconds - (limit - 1)


def fold(buckets: Iterable[Bucket], *, first: int, last: int, previous_close: Decimal | None) -> list[Bucket]:
    """Every interval from `first` to `last`: an interval with no trade is flat at the last close with zero volume.

    Intervals before the market's first trade are left out: there is no price to draw.
    """
    by_index = {bucket.index: bucket for bucket in buckets}
    close = previous_close
    candles: list[Bucket] = []
    for index in range(first, last + 1):
        bucket = by_index.get(index)
        if bucket is not None:
            candles.append(bucket)
            close = bucket.close
        elif close is not None:
            candles.append(Bucket(index, close, close, close, close, Decimal(0), Decimal(0), 0))
    return candles


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _prices(session: Session, ids: list[int]) -> dict[int, Decimal]:
    if not ids:
        return {}
    marks = ", ".join(f":id{n}" for n in range(len(ids)))
    rows = session.execute(
        text(f"SELECT id, price FROM trades WHERE id IN ({marks})"), {f"id{n}": i for n, i in enumerate(ids)}
    )
    return {row.id: _decimal(row.price) for row in rows}


def _previous_close(session: Session, market_id: int, start: datetime) -> Decimal | None:
    row = session.execute(
        text("SELECT price FROM trades WHERE market_id = :market_id AND created_at < :start ORDER BY id DESC LIMIT 1"),
        {"market_id": market_id, "start": start},
    ).first()
    return None if row is None else _decimal(row.price)


def _when(moment: datetime, dialect: str) -> Any:
    # SQLite compares timestamps as text in SQLAlchemy's stored format (naive UTC); PostgreSQL takes the datetime.
    return moment if dialect == "postgresql" else moment.replace(tzinfo=None).isoformat(sep=" ")


def last_trade_id(session: Session, market_id: int) -> int:
    """The market's newest trade id (0 before its first trade)."""
    row = session.execute(text("SELECT max(id) AS id FROM trades WHERE market_id = :m"), {"m": market_id}).first()
    return 0 if row is None or row.id is None else int(row.id)


def candles_and_last_trade(
    session: Session, rules: MarketRules, interval: Interval, limit: int, now: datetime
) -> tuple[list[CandlePublic], int]:
    """The candles of every trade up to the newest one, and its id: a live page folds in only the trades after it."""
    up_to = last_trade_id(session, rules.id)
    return candles(session, rules, interval, limit, now, up_to=up_to), up_to


def candles(
    session: Session,
    rules: MarketRules,
    interval: Interval,
    limit: int,
    now: datetime,
    *,
    up_to: int = 2**63 - 1,
) -> list[CandlePublic]:
    """The market's latest `limit` candles of `interval`, oldest first, the last one still open."""
    seconds = INTERVAL_SECONDS[interval]
    first = window_start(now, seconds, limit)
    start = datetime.fromtimestamp(first * seconds, UTC)
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        text(_BUCKETS[dialect]),
        {"seconds": seconds, "market_id": rules.id, "start": _when(start, dialect), "up_to": up_to},
    ).all()
    ends = _prices(session, sorted({row.first_id for row in rows} | {row.last_id for row in rows}))
    buckets = [
        Bucket(
            index=int(row.bucket),
            open=ends[row.first_id],
            high=_decimal(row.high),
            low=_decimal(row.low),
            close=ends[row.last_id],
            volume=_decimal(row.volume),
            quote_volume=_decimal(row.quote_volume),
            trades=int(row.trades),
        )
        for row in rows
    ]
    before = _previous_close(session, rules.id, _when(start, dialect)) if not rows or rows[0].bucket > first else None
    last = int(now.timestamp()) // seconds
    return [_public(bucket, seconds, rules) for bucket in fold(buckets, first=first, last=last, previous_close=before)]


def _public(bucket: Bucket, seconds: int, rules: MarketRules) -> CandlePublic:
    opened = datetime.fromtimestamp(bucket.index * seconds, UTC)
    return CandlePublic(
        open_time=opened,
        close_time=opened + timedelta(seconds=seconds),
        open=rules.price_text(bucket.open),
        high=rules.price_text(bucket.high),
        low=rules.price_text(bucket.low),
        close=rules.price_text(bucket.close),
        volume=rules.quantity_text(bucket.volume),
        quote_volume=f"{bucket.quote_volume.normalize():f}",
        trades=bucket.trades,
    )
