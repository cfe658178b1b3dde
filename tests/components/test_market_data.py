"""The 24 h market stats, pure: RollingWindow's high, low, volume, expiry and the change (app/feed/market_data.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.feed.market_data import MarketStats, RollingWindow
from tests.components.rules import btc_usd_rules

RULES = btc_usd_rules()
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def window_of(*trades: tuple[timedelta, int, int]) -> RollingWindow:
    """A window holding trades (offset from START, price in ticks, quantity in lots)."""
    window = RollingWindow()
    for offset, price, quantity in trades:
        window.add(START + offset, price, quantity)
    return window


def test_a_window_without_trades_has_no_prices_and_no_volume() -> None:
    stats = RollingWindow().stats(RULES)

    assert stats == MarketStats()
    assert (stats.last, stats.high, stats.low, stats.volume) == (None, None, None, Decimal(0))
    assert (stats.change, stats.change_percent) == (None, None)


def test_high_low_and_volume_cover_every_trade_in_the_window() -> None:
    window = window_of((0 * HOUR, 10000, 5000), (1 * HOUR, 11000, 2500), (2 * HOUR, 9000, 1), (3 * HOUR, 10500, 4))

    stats = window.stats(RULES)

    assert (stats.high, stats.low) == (Decimal("110.00"), Decimal("90.00"))
    assert stats.volume == Decimal("0.7505")


def test_the_last_price_is_the_newest_trade_and_the_open_the_oldest_in_the_window() -> None:
    stats = window_of((0 * HOUR, 10000, 1), (1 * HOUR, 12000, 1), (2 * HOUR, 10500, 1)).stats(RULES)

    assert (stats.open, stats.last) == (Decimal("100.00"), Decimal("105.00"))


def test_the_change_is_the_last_price_against_the_open_in_price_and_percent() -> None:
    stats = window_of((0 * HOUR, 8000, 1), (1 * HOUR, 9000, 1)).stats(RULES)

    assert stats.change == Decimal("10.00")
    assert stats.change_percent == Decimal("12.5")


def test_a_fall_gives_a_negative_change() -> None:
    stats = window_of((0 * HOUR, 10000, 1), (1 * HOUR, 9750, 1)).stats(RULES)

    assert (stats.change, stats.change_percent) == (Decimal("-2.50"), Decimal("-2.5"))


def test_trades_older_than_24_hours_expire_from_volume_high_low_and_open() -> None:
    window = window_of((0 * HOUR, 11000, 10), (1 * HOUR, 9000, 20), (2 * HOUR, 10000, 30))

    window.expire(START + 24 * HOUR + HOUR / 2)
    stats = window.stats(RULES)

    assert (stats.high, stats.low, stats.open, stats.last) == (
        Decimal("100.00"),
        Decimal("90.00"),
        Decimal("90.00"),
        Decimal("100.00"),
    )
    assert stats.volume == Decimal("0.0050")


def test_a_trade_exactly_24_hours_old_still_counts() -> None:
    window = window_of((0 * HOUR, 11000, 10), (1 * HOUR, 10000, 20))

    window.expire(START + 24 * HOUR)

    assert window.stats(RULES).high == Decimal("110.00")
    assert window.stats(RULES).volume == Decimal("0.0030")


def test_once_every_trade_has_expired_the_window_is_empty_again() -> None:
    window = window_of((0 * HOUR, 10000, 10), (1 * HOUR, 10100, 20))

    window.expire(START + 26 * HOUR)

    assert window.stats(RULES) == MarketStats()
    assert window.volume == 0


def test_a_high_repeated_later_outlives_the_expiry_of_its_first_occurrence() -> None:
    window = window_of((0 * HOUR, 11000, 1), (1 * HOUR, 10000, 1), (2 * HOUR, 11000, 1), (3 * HOUR, 10500, 1))

    window.expire(START + 24 * HOUR + HOUR / 2)

    stats = window.stats(RULES)
    assert (stats.high, stats.low) == (Decimal("110.00"), Decimal("100.00"))


def test_a_low_is_replaced_by_the_next_lowest_once_it_expires() -> None:
    window = window_of((0 * HOUR, 9000, 1), (1 * HOUR, 9500, 1), (2 * HOUR, 9200, 1), (3 * HOUR, 9800, 1))

    window.expire(START + 24 * HOUR + HOUR / 2)

    assert window.stats(RULES).low == Decimal("92.00")
