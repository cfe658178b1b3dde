"""Candles are built by the real database from the trades table: exact OHLCV per interval, gaps filled flat."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app.domain.rules import MarketRules
from app.store.candles import Bucket, fold
from app.store.db import Database, connect, create_schema
from models import Market, Trade

NOW = datetime(2026, 12, 3, 12, 30, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def database(new_database_url: Callable[[], str]) -> Iterator[Database]:
    db = connect(new_database_url())
    create_schema(db)
    yield db
    db.dispose()


@pytest.fixture
def market(database: Database) -> Iterator[MarketRules]:
    """BTC-USD with no trades; the test's trades are removed afterwards."""
    with database.read() as session:
        rules = MarketRules.of(session.exec(select(Market).where(Market.symbol == "BTC-USD")).one())
    yield rules
    with database.write() as session:
        for trade in session.exec(select(Trade).where(Trade.market_id == rules.id)).all():
            session.delete(trade)


def add_trades(database: Database, rules: MarketRules, *trades: tuple[datetime, str, str]) -> None:
    with database.write() as session:
        for n, (when, price, quantity) in enumerate(trades):
            session.add(
                Trade(
                    market_id=rules.id,
                    sequence=n + 1,
                    price=Decimal(price),
                    quantity=Decimal(quantity),
                    taker_side="buy",
                    taker_order_id=2 * n + 2,
                    maker_order_id=2 * n + 1,
                    created_at=when,
                )
            )


def candles(database: Database, rules: MarketRules, interval: str, limit: int) -> list[dict[str, object]]:
    from app.store.candles import candles as build

    with database.read() as session:
        return [candle.model_dump() for candle in build(session, rules, interval, limit, NOW)]  # type: ignore[arg-type]


def test_a_market_with_no_trades_has_no_candles(database: Database, market: MarketRules) -> None:
    assert candles(database, market, "1m", 10) == []


def test_one_minute_candles_give_open_high_low_close_and_exact_volumes(database: Database, market: MarketRules) -> None:
    minute = NOW.replace(second=0, microsecond=0)
    add_trades(
        database,
        market,
        (minute + timedelta(seconds=1), "100.10", "0.1000"),
        (minute + timedelta(seconds=5), "100.50", "0.2000"),
        (minute + timedelta(seconds=9), "99.90", "0.0001"),
        (minute + timedelta(seconds=15), "100.20", "0.3000"),
    )
    [candle] = candles(database, market, "1m", 1)
    assert candle["open_time"] == minute
    assert candle["close_time"] == minute + timedelta(minutes=1)
    assert (candle["open"], candle["high"], candle["low"], candle["close"]) == ("100.10", "100.50", "99.90", "100.20")
    assert candle["volume"] == "0.6001"  # 0.1 + 0.2 + 0.0001 + 0.3, exactly
    assert candle["quote_volume"] == "60.17999"  # 10.01 + 20.10 + 0.00999 + 30.06
    assert candle["trades"] == 4


def test_an_interval_with_no_trade_is_flat_at_the_last_close_with_zero_volume(
    database: Database, market: MarketRules
) -> None:
    minute = NOW.replace(second=0, microsecond=0)
    add_trades(
        database,
        market,
        (minute - timedelta(minutes=10), "90.00", "1.0000"),  # before the window: gives the first close
        (minute - timedelta(minutes=2, seconds=-3), "101.00", "0.5000"),
        (minute + timedelta(seconds=2), "102.00", "0.2500"),
    )
    got = candles(database, market, "1m", 4)
    assert [c["open_time"] for c in got] == [minute - timedelta(minutes=m) for m in (3, 2, 1, 0)]
    assert [(c["open"], c["close"], c["volume"], c["trades"]) for c in got] == [
        ("90.00", "90.00", "0.0000", 0),
        ("101.00", "101.00", "0.5000", 1),
        ("101.00", "101.00", "0.0000", 0),
        ("102.00", "102.00", "0.2500", 1),
    ]


def test_hour_and_day_candles_group_the_same_trades(database: Database, market: MarketRules) -> None:
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    add_trades(
        database,
        market,
        (hour - timedelta(minutes=30), "100.00", "1.0000"),
        (hour + timedelta(minutes=1), "110.00", "1.0000"),
        (hour + timedelta(minutes=29), "105.00", "2.0000"),
    )
    [previous, current] = candles(database, market, "1h", 2)
    assert (previous["open"], previous["close"], previous["volume"]) == ("100.00", "100.00", "1.0000")
    assert (current["open"], current["high"], current["low"], current["close"]) == (
        "110.00",
        "110.00",
        "105.00",
        "105.00",
    )
    [day] = candles(database, market, "1d", 1)
    assert day["open_time"] == NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    assert (day["open"], day["high"], day["low"], day["close"], day["volume"], day["trades"]) == (
        "100.00",
        "110.00",
        "100.00",
        "105.00",
        "4.0000",
        3,
    )


def test_intervals_before_the_first_trade_ever_are_left_out() -> None:
    trade = Bucket(7, Decimal(5), Decimal(6), Decimal(4), Decimal(5), Decimal(1), Decimal(5), 1)
    folded = fold([trade], first=5, last=9, previous_close=None)
    assert [bucket.index for bucket in folded] == [7, 8, 9]
    assert folded[-1] == Bucket(9, Decimal(5), Decimal(5), Decimal(5), Decimal(5), Decimal(0), Decimal(0), 0)
