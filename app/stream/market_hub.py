"""Each market's hub: after every committed change it builds each public channel's message once, as JSON text, and
hands that one text to every subscriber's queue (never one serialization per subscriber).

The exchange calls `changed` after every commit, in this process or caught up from another; the hub's task wakes,
reads the book from the market writer's snapshot (and, for trades, ticker and candles, the market state the pages
share), and publishes what changed. Changes that arrive while it works coalesce into the next round.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.exchange.commands import BookSnapshot
from app.stream.book_stream import BookStream
from app.stream.connection import dumps

if TYPE_CHECKING:
    from app.services import Services
    from app.stream.connection import StreamConnection

log = logging.getLogger("orderbook.stream")

MAX_DEPTH = 100
DEFAULT_DEPTH = 10
ROUND_GAP = 0.02  # seconds at least between two rounds that publish: at most 50 messages a second per channel
TICK = 1.0  # seconds between rounds with no change: candles close and the 24 h window moves on time
TEXT_CACHE = 20_000  # price and size texts kept per market before the cache starts over


class StreamHub:
    """The hubs of every market of one process, made on the first connection and fed by the exchange."""

    def __init__(self, services: "Services") -> None:
        self.services = services
        self.markets = {symbol: MarketHub(symbol, services) for symbol in services.exchange.writers}
        self.stop_listening = services.exchange.subscribe(self.changed)

    def changed(self, symbol: str, _sequence: int, _traders: frozenset[int] | None) -> None:
        hub = self.markets.get(symbol)
        if hub is not None:
            hub.wake()


_hub: StreamHub | None = None


def hub_of(services: "Services") -> StreamHub:
    """This process's hub for the running services (a new one after the services were made anew, as tests do)."""
    global _hub
    if _hub is None or _hub.services is not services:
        if _hub is not None:
            _hub.stop_listening()
        _hub = StreamHub(services)
    return _hub


class BookGroup:
    """The subscribers of one market's book at one depth: each message made once, as text, for all of them."""

    def __init__(self, hub: "MarketHub", depth: int) -> None:
        self.hub = hub
        self.depth = depth
        self.stream = BookStream(hub.symbol, depth)
        self.members: set[StreamConnection] = set()
        self.snapshot_text: str | None = None

    def advance(self, snapshot: BookSnapshot) -> None:
        if snapshot.sequence == self.stream.seen:
            return
        asks, bids = self.hub.levels(snapshot, self.depth)
        message = self.stream.advance(snapshot.sequence, asks, bids)
        if message is None:
            return
        self.snapshot_text = None
        text = dumps(message)
        for member in self.members:
            member.put(text)

    def snapshot(self) -> str:
        if self.snapshot_text is None:
            self.snapshot_text = dumps(self.stream.snapshot())
        return self.snapshot_text

    def join(self, conn: "StreamConnection") -> Callable[[], None]:
        self.advance(self.hub.writer.snapshot)
        conn.put(self.snapshot())
        self.members.add(conn)
        self.hub.ensure_running()
        return lambda: self.leave(conn)

    def leave(self, conn: "StreamConnection") -> None:
        self.members.discard(conn)
        if not self.members and self.hub.books.get(self.depth) is self:
            del self.hub.books[self.depth]


class MarketHub:
    """One market's public channels: the book groups here, trades, ticker and candles in `channels`."""

    def __init__(self, symbol: str, services: "Services") -> None:
        from app.stream.market_channels import MarketChannels  # the channels module registers with this one

        self.symbol = symbol
        self.services = services
        self.writer = services.exchange.writers[symbol]
        self.rules = self.writer.rules
        self.books: dict[int, BookGroup] = {}
        self.channels: MarketChannels = MarketChannels(self)
        self.task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._levels: tuple[int, int, list[list[str]], list[list[str]]] = (-1, 0, [], [])
        self._prices: dict[int, str] = {}
        self._sizes: dict[int, str] = {}

    def book_group(self, depth: int) -> BookGroup:
        group = self.books.get(depth)
        if group is None:
            group = self.books[depth] = BookGroup(self, depth)
        return group

    def wake(self) -> None:
        if self.task is not None:
            self._wake.set()

    def ensure_running(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name=f"stream hub {self.symbol}")
            self.services.tasks.append(self.task)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.publish()
            except Exception:
                log.exception("%s: stream publish failed", self.symbol)
            if self.members():
                # Changes in the next ROUND_GAP coalesce into one update: under a fast flow every subscriber gets
                # at most one message per channel per round, instead of one per change (each costs a send a socket).
                await asyncio.sleep(ROUND_GAP)

    async def publish(self) -> None:
        snapshot = self.writer.snapshot
        for group in list(self.books.values()):
            group.advance(snapshot)
        await self.channels.publish()

    def levels(self, snapshot: BookSnapshot, depth: int) -> tuple[list[list[str]], list[list[str]]]:
        """Both sides' top `depth` levels as [price, size] texts, best first, as the REST book writes them."""
        sequence, made_depth, asks, bids = self._levels
        if sequence != snapshot.sequence or made_depth < depth:
            deepest = max([depth, *self.books])
            asks = [self._level(price, size) for price, size, _count in snapshot.asks[:deepest]]
            bids = [self._level(price, size) for price, size, _count in snapshot.bids[:deepest]]
            self._levels = (snapshot.sequence, deepest, asks, bids)
        return asks[:depth], bids[:depth]

    def _level(self, price: int, size: int) -> list[str]:
        prices, sizes, rules = self._prices, self._sizes, self.rules
        price_text = prices.get(price)
        if price_text is None:
            if len(prices) > TEXT_CACHE:
                prices.clear()
            price_text = prices[price] = rules.price_text(rules.price_of(price))
        size_text = sizes.get(size)
        if size_text is None:
            if len(sizes) > TEXT_CACHE:
                sizes.clear()
            size_text = sizes[size] = rules.quantity_text(rules.quantity_of(size))
        return [price_text, size_text]

    def members(self) -> int:
        return sum(len(group.members) for group in self.books.values()) + self.channels.members()


def book_params(frame: dict) -> dict[str, Any]:
    from app.errors import ServiceError

    depth = frame.get("depth", DEFAULT_DEPTH)
    if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_DEPTH:
        raise ServiceError(f"depth: must be an integer from 1 to {MAX_DEPTH} (levels a side), not {depth!r}")
    return {"depth": depth}
