"""Per-market data every page shows, computed once per sequence and shared by all pages: book, tape, 24 h stats."""

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import OperationalError
from sqlmodel import select

from app.domain.rules import MarketRules
from app.errors import NotFound, Unavailable
from app.exchange.commands import BookSnapshot
from app.exchange.present import trade_public
from app.exchange.writer import MarketWriter
from app.store.db import Database
from models import Trade, TradePublic
from models.clock import aware, utcnow

TAPE_LENGTH = 50
# Its own threads: the pages' reads must not queue behind the API's per-request key checks in the default pool.
_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="market-data")
WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class MarketStats:
    """Last price and the 24 h change, high, low and volume; None where there were no trades."""

    last: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: Decimal = Decimal(0)

    @property
    def change(self) -> Decimal | None:
        return None if self.last is None or self.open is None else self.last - self.open

    @property
    def change_percent(self) -> Decimal | None:
        change = self.change
        return None if change is None or not self.open else change * 100 / self.open


@dataclass(frozen=True)
class MarketState:
    """What a market page shows at one sequence."""

    rules: MarketRules
    book: BookSnapshot
    trades: tuple[TradePublic, ...]
    stats: MarketStats
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # derived views, shared by all pages

    @property
    def sequence(self) -> int:
        return self.book.sequence


class RollingWindow:
    """The last 24 h of trades as (time, ticks, lots): O(1) amortised high, low and volume with monotonic queues."""

    def __init__(self) -> None:
        self.trades: deque[tuple[datetime, int, int]] = deque()
        self.highs: deque[tuple[datetime, int]] = deque()  # decreasing prices
        self.lows: deque[tuple[datetime, int]] = deque()  # increasing prices
        self.volume = 0

    def add(self, moment: datetime, price: int, quantity: int) -> None:
        self.trades.append((moment, price, quantity))
        self.volume += quantity
        while self.highs and self.highs[-1][1] <= price:
            self.highs.pop()
        self.highs.append((moment, price))
        while self.lows and self.lows[-1][1] >= price:
            self.lows.pop()
        self.lows.append((moment, price))

    def expire(self, now: datetime) -> None:
        start = now - WINDOW
        while self.trades and self.trades[0][0] < start:
            self.volume -= self.trades.popleft()[2]
        while self.highs and self.highs[0][0] < start:
            self.highs.popleft()
        while self.lows and self.lows[0][0] < start:
            self.lows.popleft()

    def stats(self, rules: MarketRules) -> MarketStats:
        if not self.trades:
            return MarketStats()
        return MarketStats(
            last=rules.price_of(self.trades[-1][1]),
            open=rules.price_of(self.trades[0][1]),
            high=rules.price_of(self.highs[0][1]),
            low=rules.price_of(self.lows[0][1]),
            volume=rules.quantity_of(self.volume),
        )


class MarketFeed:
    """Every market's shared page data, made once at start-up from the exchange's writers."""

    def __init__(self, writers: dict[str, MarketWriter], database: Database) -> None:
        self.markets = {symbol: MarketFeedData(writer, database) for symbol, writer in writers.items()}

    async def state(self, symbol: str) -> MarketState:
        """What a market page shows, at the latest sequence this process knows (shared by every page)."""
        data = self.markets.get(symbol)
        if data is None:
            raise NotFound(f"market {symbol!r} not found")
        return await data.current()

    def stale(self, symbol: str) -> bool:
        """Whether a page showing the last market state is behind: free to ask, for the pages' fallback timers."""
        return self.markets[symbol].stale

    def latest(self, symbol: str) -> MarketState | None:
        """The state last computed (None before the first), without checking whether it is still current."""
        return self.markets[symbol].state


class MarketFeedData:
    """One market's shared state: new trades are read incrementally (by id), never the whole table again."""

    def __init__(self, writer: MarketWriter, database: Database) -> None:
        self.writer = writer
        self.database = database
        self.window = RollingWindow()
        self.tape: deque[TradePublic] = deque(maxlen=TAPE_LENGTH)
        self.last_trade_id: int | None = None
        self.read_through = -1  # the sequence up to which every trade has been read
        self.state: MarketState | None = None
        self.lock = asyncio.Lock()

    @property
    def stale(self) -> bool:
        """True when the state is behind the book, or a trade in it has aged out of the 24 h window."""
        if self.state is None or self.state.sequence != self.writer.snapshot.sequence:
            return True
        return bool(self.window.trades) and self.window.trades[0][0] < utcnow() - WINDOW

    async def current(self) -> MarketState:
        """The state at the writer's latest sequence (one database read per new sequence, whoever asks)."""
        if self.state is not None and not self.stale:
            return self.state
        async with self.lock:  # one read per sequence, however many pages ask at once
            snapshot = self.writer.snapshot
            if self.state is None or self.stale:
                # Most changes trade nothing (an order rests, one is cancelled): then there is nothing to read.
                if self.writer.market.traded_at > self.read_through or self.last_trade_id is None:
                    loop = asyncio.get_running_loop()
                    try:
                        new_trades = await loop.run_in_executor(_READER, self._read_new_trades)
                    except OperationalError as error:  # restarting, failed over: the pages keep what they show
                        raise Unavailable("the database is not reachable; retry in a moment") from error
                    self._add(new_trades)
                    self.read_through = snapshot.sequence
                self.window.expire(utcnow())
                rules = self.writer.rules
                self.state = MarketState(rules, snapshot, tuple(reversed(self.tape)), self.window.stats(rules))
            return self.state

    def _read_new_trades(self) -> list[Trade]:
        rules = self.writer.rules
        query = select(Trade).where(Trade.market_id == rules.id)
        if self.last_trade_id is None:
            # First read: the trades of the last 24 h, plus the tape even if older.
            since = utcnow() - WINDOW
            query = query.where(Trade.created_at >= since).order_by(Trade.id)  # type: ignore[arg-type]
            with self.database.read() as session:
                trades = list(session.exec(query).all())
                if len(trades) < TAPE_LENGTH:
                    older = select(Trade).where(Trade.market_id == rules.id).order_by(Trade.id.desc())  # type: ignore[union-attr]
                    older_trades = list(session.exec(older.limit(TAPE_LENGTH)).all())[::-1]
                    known = {trade.id for trade in trades}
                    trades = [trade for trade in older_trades if trade.id not in known] + trades
                return trades
        query = query.where(Trade.id > self.last_trade_id).order_by(Trade.id)  # type: ignore[arg-type,operator]
        with self.database.read() as session:
            return list(session.exec(query).all())

    def _add(self, trades: list[Trade]) -> None:
        rules = self.writer.rules
        start = utcnow() - WINDOW
        for trade in trades:
            assert trade.id is not None
            self.last_trade_id = max(self.last_trade_id or 0, trade.id)
            self.tape.append(trade_public(trade, rules))
            moment = aware(trade.created_at)
            if moment >= start:
                self.window.add(moment, rules.ticks(trade.price), rules.lots(trade.quantity))
        if self.last_trade_id is None:
            self.last_trade_id = 0
