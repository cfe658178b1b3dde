"""A page's live candles: trades folded into the open candle, new ones opened as time moves, none counted twice."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.feed.candles import MAX_CANDLES, CandleSeries
from models import CandlePublic

START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def loaded(*closes: str) -> CandleSeries:
    candles = [
        CandlePublic(
            open_time=START + timedelta(minutes=n),
            close_time=START + timedelta(minutes=n + 1),
            open=close,
            high=close,
            low=close,
            close=close,
            volume="1.0000",
            quote_volume=close,
            trades=1,
        )
        for n, close in enumerate(closes)
    ]
    return CandleSeries("1m", candles, last_trade_id=10)


def test_a_trade_in_the_open_interval_moves_its_high_low_close_and_volume() -> None:
    series = loaded("100.00", "101.00")
    assert series.add(11, START + timedelta(minutes=1, seconds=30), Decimal("103.50"), Decimal("0.25"))
    assert series.add(12, START + timedelta(minutes=1, seconds=40), Decimal("99.00"), Decimal("0.5"))
    last = series.candles[-1]
    assert (last.open, last.high, last.low, last.close) == (
        Decimal("101.00"),
        Decimal("103.50"),
        Decimal(99),
        Decimal(99),
    )
    assert last.volume == Decimal("1.75")


def test_a_trade_after_a_quiet_interval_opens_a_new_candle_and_fills_the_gap_flat() -> None:
    series = loaded("100.00")
    series.add(11, START + timedelta(minutes=3, seconds=5), Decimal("104.00"), Decimal("1"))
    assert [candle.index * 60 for candle in series.candles] == [
        int((START + timedelta(minutes=m)).timestamp()) for m in range(4)
    ]
    gap = series.candles[1]
    assert (gap.open, gap.close, gap.volume) == (Decimal("100.00"), Decimal("100.00"), Decimal(0))
    assert series.candles[-1].open == Decimal("104.00")


def test_a_trade_already_counted_when_the_candles_were_read_is_not_counted_again() -> None:
    series = loaded("100.00")
    assert not series.add(10, START + timedelta(seconds=30), Decimal("500.00"), Decimal("9"))
    assert series.candles[-1].high == Decimal("100.00")
    assert series.candles[-1].volume == Decimal("1.0000")


def test_the_series_keeps_only_the_latest_candles() -> None:
    series = loaded("100.00")
    series.add(11, START + timedelta(minutes=MAX_CANDLES + 5), Decimal("1.00"), Decimal("1"))
    assert len(series.candles) == MAX_CANDLES
    assert series.candles[-1].close == Decimal("1.00")
