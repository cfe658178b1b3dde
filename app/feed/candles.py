"""A page's candle series kept live: loaded once from the candles API's query, then new trades folded in."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.store.candles import INTERVAL_SECONDS
from models import CandlePublic

MAX_CANDLES = 120


@dataclass(slots=True)
class Candle:
    """One interval's open, high, low, close and base volume, exact."""

    index: int  # seconds since the epoch // interval
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class CandleSeries:
    """The latest candles of one interval; `add` folds a trade in, opening new candles (gaps flat) as time moves."""

    def __init__(self, interval: str, candles: list[CandlePublic], last_trade_id: int) -> None:
        self.seconds = INTERVAL_SECONDS[interval]
        self.last_trade_id = last_trade_id
        self.candles = [
            Candle(
                int(candle.open_time.timestamp()) // self.seconds,
                Decimal(candle.open),
                Decimal(candle.high),
                Decimal(candle.low),
                Decimal(candle.close),
                Decimal(candle.volume),
            )
            for candle in candles
        ]

    def add(self, trade_id: int, moment: datetime, price: Decimal, quantity: Decimal) -> bool:
        """Fold one trade in; False if it was already counted."""
        if trade_id <= self.last_trade_id:
            return False
        self.last_trade_id = trade_id
        index = int(moment.timestamp()) // self.seconds
        last = self.candles[-1] if self.candles else None
        if last is not None and index < last.index:  # a late trade of an interval already closed here: count it there
            for candle in self.candles:
                if candle.index == index:
                    _fold(candle, price, quantity)
            return True
        if last is not None and index == last.index:
            _fold(last, price, quantity)
            return True
        if last is not None:
            for gap in range(last.index + 1, index):
                self.candles.append(Candle(gap, last.close, last.close, last.close, last.close, Decimal(0)))
        self.candles.append(Candle(index, price, price, price, price, quantity))
        del self.candles[:-MAX_CANDLES]
        return True


def _fold(candle: Candle, price: Decimal, quantity: Decimal) -> None:
    candle.high = max(candle.high, price)
    candle.low = min(candle.low, price)
    candle.close = price
    candle.volume += quantity
