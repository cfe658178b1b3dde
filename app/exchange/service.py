"""The exchange: every market's writer started and stopped, kept up with other processes, its changes announced.

What traders ask of it goes through its two halves: `commands` (app/exchange/trading.py) and `reads`
(app/exchange/reads.py), which share the markets' registry (app/exchange/registry.py).
"""

import asyncio
import logging
from collections.abc import Callable

from sqlmodel import col, select

from app.domain.rules import MarketRules
from app.exchange.reads import MarketReads
from app.exchange.registry import MarketRegistry
from app.exchange.trading import OrderCommands
from app.exchange.writer import ChangeListener, MarketWriter
from app.observability.metrics import CHANGE_NOTIFICATIONS
from app.store import writes
from app.store.db import Database
from app.store.listener import ChangeWatcher, Funds
from models import Market

log = logging.getLogger(__name__)


class Exchange:
    """All markets of one process. The database is the source of truth; each writer's book is its cache."""

    def __init__(self, database: Database, *, max_resting_per_trader: int = 1000, journal_keep: int = 20000) -> None:
        self.database = database
        self.max_resting_per_trader = max_resting_per_trader
        self.journal_keep = journal_keep
        self.registry = MarketRegistry(database)
        self.commands = OrderCommands(self.registry)
        self.reads = MarketReads(self.registry)
        self.listeners: list[ChangeListener] = []
        self.watcher: ChangeWatcher | None = None
        self._syncing: dict[str, asyncio.Task] = {}  # markets being caught up after a notification
        self._announced: dict[str, int] = {}  # the newest sequence announced for each market

    @property
    def writers(self) -> dict[str, MarketWriter]:
        return self.registry.writers

    @property
    def markets(self) -> list[MarketRules]:
        return self.registry.markets

    async def start(self, *, watch_interval: float = 1.0, funds: Funds | None = None) -> None:
        """Load the markets, rebuild every book, start the writers and the watch (`watch_interval`: safety poll, s).

        `funds` follows deposits on the same watch (app/accounts/ledger_feed.py).
        """
        query = select(Market).order_by(col(Market.id))
        markets = await self.registry.run(lambda session: list(session.exec(query).all()))
        for market in markets:
            writer = MarketWriter(
                MarketRules.of(market),
                self.database,
                self._publish,
                max_resting_per_trader=self.max_resting_per_trader,
                journal_keep=self.journal_keep,
            )
            self.registry.add(writer)
            writer.start()
        await asyncio.gather(*(self.sync(symbol) for symbol in self.writers))
        if watch_interval > 0:
            self.watcher = ChangeWatcher(
                self.database, self._notified, self.catch_up, poll_interval=watch_interval, funds=funds
            )
            self.watcher.start()

    async def stop(self) -> None:
        if self.watcher is not None:
            await self.watcher.stop()
            self.watcher = None
        syncing = list(self._syncing.values())
        for task in syncing:
            task.cancel()
        await asyncio.gather(*syncing, return_exceptions=True)
        await asyncio.gather(*(writer.stop() for writer in self.writers.values()))

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener(symbol, sequence, traders)` after every committed change; returns the unsubscribe function."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def _publish(self, symbol: str, sequence: int, traders: frozenset[int] | None) -> None:
        for listener in list(self.listeners):
            try:
                listener(symbol, sequence, traders)
            except Exception:
                log.exception("change listener failed")

    async def sync(self, symbol: str) -> int:
        """Bring the market's cached book up to the stored sequence; returns it."""
        return await self.registry.sync(symbol)

    async def catch_up(self) -> None:
        """Bring every book that is behind up to its stored sequence: one tiny query, then a sync where needed."""
        stored = await self.registry.run(writes.stored_sequences)
        for market_id, sequence in stored.items():
            rules = self.registry.rules_by_id.get(market_id)
            if rules is not None and self.writers[rules.symbol].sequence != sequence:
                await self.sync(rules.symbol)

    def _notified(self, symbol: str, sequence: int) -> None:
        """Another process announced a batch: catch up from the journal (one sync at a time per market)."""
        writer = self.writers.get(symbol)
        if writer is None or writer.sequence >= sequence:
            return  # our own batch, or one we already have
        CHANGE_NOTIFICATIONS.inc()
        self._announced[symbol] = max(sequence, self._announced.get(symbol, -1))
        if symbol not in self._syncing:
            self._syncing[symbol] = asyncio.create_task(self._sync_announced(symbol), name=f"catch up {symbol}")

    async def _sync_announced(self, symbol: str) -> None:
        try:
            # Announcements arriving meanwhile are covered by the next round: a burst costs a few syncs, not one each.
            while self.writers[symbol].sequence < self._announced[symbol]:
                await self.sync(symbol)
        except Exception as error:
            log.warning("%s: catching up after a notification failed: %s", symbol, error)
        finally:
            del self._syncing[symbol]
