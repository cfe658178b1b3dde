"""The public channels of one market besides the book: trades, ticker and candles, each message made once a round.

They read the market state the pages share (app/feed/market_data.py: the tape and the 24 h stats, computed once per
sequence), so a round costs no database read of its own unless more trades came than the tape holds.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.errors import ServiceError, Unavailable
from app.feed.candles import Candle, CandleSeries
from app.feed.market_data import TAPE_LENGTH, MarketState
from app.store.candles import INTERVAL_SECONDS
from app.stream.connection import dumps
from models import TradePublic
from models.clock import utcnow

if TYPE_CHECKING:
    from app.stream.connection import StreamConnection
    from app.stream.market_hub import MarketHub

CATCH_UP_TRADES = 500  # read when more trades came in one round than the shared tape holds
INTERVALS = tuple(INTERVAL_SECONDS)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def trade_of(trade: TradePublic) -> dict[str, Any]:
    return {
        "id": trade.id,
        "price": trade.price,
        "quantity": trade.quantity,
        "side": trade.taker_side,
        "time": _time(trade.created_at),
    }


class CandleGroup:
    """The subscribers of one interval's candles, the series kept live for them, and what they were last sent."""

    def __init__(self, channels: "MarketChannels", interval: str, series: CandleSeries) -> None:
        self.channels = channels
        self.interval = interval
        self.series = series
        self.members: set[StreamConnection] = set()
        self.closed_through = -1  # candles up to this index were sent with closed: true
        self.sent: tuple | None = None  # the open candle's values as last sent

    def message(self, candle: Candle, closed: bool) -> str:
        rules = self.channels.hub.rules
        seconds = self.series.seconds
        return dumps(
            {
                "channel": "candles",
                "market": self.channels.hub.symbol,
                "interval": self.interval,
                "open_time": _time(datetime.fromtimestamp(candle.index * seconds, UTC)),
                "close_time": _time(datetime.fromtimestamp((candle.index + 1) * seconds, UTC)),
                "open": rules.price_text(candle.open),
                "high": rules.price_text(candle.high),
                "low": rules.price_text(candle.low),
                "close": rules.price_text(candle.close),
                "volume": rules.quantity_text(candle.volume),
                "closed": closed,
            }
        )

    def publish(self, trades: list[TradePublic], now: datetime) -> None:
        for trade in trades:
            self.series.add(trade.id, trade.created_at, Decimal(trade.price), Decimal(trade.quantity))
        current = int(now.timestamp()) // self.series.seconds
        texts = []
        for candle in self.series.candles:
            if candle.index <= self.closed_through or candle.index >= current:
                continue
            texts.append(self.message(candle, closed=True))  # its interval is over: this is its last update
            self.closed_through = candle.index
            self.sent = None
        last = self.series.candles[-1] if self.series.candles else None
        if last is not None and last.index >= current:
            values = (last.index, last.open, last.high, last.low, last.close, last.volume)
            if values != self.sent:
                texts.append(self.message(last, closed=False))
                self.sent = values
        for text in texts:
            for member in self.members:
                member.put(text)

    def first(self, now: datetime) -> str | None:
        """What a new subscriber gets first: the latest candle, closed if its interval is over."""
        if not self.series.candles:
            return None
        last = self.series.candles[-1]
        return self.message(last, closed=last.index < int(now.timestamp()) // self.series.seconds)


class MarketChannels:
    """Trades, ticker and candles of one market; a lock keeps a new subscriber's first message in step with rounds."""

    def __init__(self, hub: "MarketHub") -> None:
        self.hub = hub
        self.trades: set[StreamConnection] = set()
        self.tickers: set[StreamConnection] = set()
        self.candles: dict[str, CandleGroup] = {}
        self.last_trade_id: int | None = None
        self.ticker_values: tuple | None = None
        self.ticker_text = ""
        self.lock = asyncio.Lock()

    def members(self) -> int:
        return len(self.trades) + len(self.tickers) + sum(len(group.members) for group in self.candles.values())

    async def publish(self) -> None:
        if not (self.trades or self.tickers or self.candles):
            self.last_trade_id = None
            return
        async with self.lock:
            await self._round()

    async def _state(self) -> MarketState:
        return await self.hub.services.feed.state(self.hub.symbol)

    async def _round(self) -> None:
        try:
            state = await self._state()
            trades = await self._new_trades(state)
        except Unavailable:
            return  # the database is away: the next round (at most a tick later) catches up
        if trades and self.trades:
            text = dumps(
                {
                    "channel": "trades",
                    "market": self.hub.symbol,
                    "type": "update",
                    "trades": [trade_of(t) for t in trades],
                }
            )
            for member in self.trades:
                member.put(text)
        if self.tickers and self._ticker_changed(state):
            for member in self.tickers:
                member.put(self.ticker_text)
        now = utcnow()
        for group in self.candles.values():
            group.publish(trades, now)

    async def _new_trades(self, state: MarketState) -> list[TradePublic]:
        """The trades since the last round, oldest first."""
        last = self.last_trade_id
        tape = state.trades  # newest first
        if last is None:
            self.last_trade_id = tape[0].id if tape else 0
            return []
        new = [trade for trade in tape if trade.id > last]
        if len(new) >= TAPE_LENGTH and last > 0:
            more = await self.hub.services.exchange.reads.trades(self.hub.symbol, CATCH_UP_TRADES)
            new = [trade for trade in more if trade.id > last]
        new.reverse()
        if new:
            self.last_trade_id = new[-1].id
        return new

    def _ticker_changed(self, state: MarketState) -> bool:
        rules, stats, book = self.hub.rules, state.stats, state.book

        def price(value: Decimal | None) -> str | None:
            return None if value is None else rules.price_text(value)

        values = (
            price(stats.last),
            price(rules.price_of(book.bids[0][0])) if book.bids else None,
            price(rules.price_of(book.asks[0][0])) if book.asks else None,
            price(stats.change),
            price(stats.high),
            price(stats.low),
            rules.quantity_text(stats.volume),
        )
        if values == self.ticker_values:
            return False
        self.ticker_values = values
        names = ("last", "bid", "ask", "change", "high", "low", "volume")
        self.ticker_text = dumps(
            {"channel": "ticker", "market": self.hub.symbol, **dict(zip(names, values, strict=True))}
        )
        return True

    # Joining: under the lock, after a round, so that the first message and the next update follow on.

    async def join_trades(self, conn: "StreamConnection") -> Callable[[], None]:
        async with self.lock:
            await self._round()
            state = await self._state()
            recent = [trade_of(trade) for trade in reversed(state.trades)]
            conn.put(dumps({"channel": "trades", "market": self.hub.symbol, "type": "snapshot", "trades": recent}))
            self.trades.add(conn)
        self.hub.ensure_running()
        return lambda: self.trades.discard(conn)

    async def join_ticker(self, conn: "StreamConnection") -> Callable[[], None]:
        async with self.lock:
            await self._round()
            self._ticker_changed(await self._state())
            conn.put(self.ticker_text)
            self.tickers.add(conn)
        self.hub.ensure_running()
        return lambda: self.tickers.discard(conn)

    async def join_candles(self, conn: "StreamConnection", interval: str) -> Callable[[], None]:
        async with self.lock:
            await self._round()
            group = self.candles.get(interval)
            if group is None:
                reads = self.hub.services.exchange.reads
                candles, last_id = await reads.live_candles(self.hub.symbol, interval, 2)  # type: ignore[arg-type]
                group = self.candles[interval] = CandleGroup(self, interval, CandleSeries(interval, candles, last_id))
                now = utcnow()
                group.closed_through = int(now.timestamp()) // group.series.seconds - 1
            first = group.first(utcnow())
            if first is not None:
                conn.put(first)
            group.members.add(conn)
        self.hub.ensure_running()
        return lambda: self._leave_candles(conn, interval)

    def _leave_candles(self, conn: "StreamConnection", interval: str) -> None:
        group = self.candles.get(interval)
        if group is not None:
            group.members.discard(conn)
            if not group.members:
                del self.candles[interval]


def candle_params(frame: dict) -> dict[str, Any]:
    interval = frame.get("interval")
    if interval not in INTERVAL_SECONDS:
        raise ServiceError(f"interval: must be one of {', '.join(INTERVALS)}, not {interval!r}")
    return {"interval": interval}
