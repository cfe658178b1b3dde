"""One market's writer: the only code that changes its book, one batch of commands per database transaction."""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.domain.rules import MarketRules
from app.errors import ServiceError, Unavailable
from app.exchange.catch_up import BookFollower
from app.exchange.commands import Batch, BookSnapshot, Command, PlaceOrder, Sync
from app.exchange.market_book import MarketBook
from app.exchange.order_handler import OrderHandler
from app.observability.metrics import observe_batch
from app.store import writes
from app.store.db import Database, is_lock_timeout, is_retryable

log = logging.getLogger(__name__)

MAX_BATCH = 256
DEADLOCK_RETRIES = 5  # a batch rolled back to break a deadlock runs again, up to this many times in all

# Called after every committed change: (symbol, sequence, ids of the traders whose orders changed, or None if unknown).
ChangeListener = Callable[[str, int, frozenset[int] | None], None]


class MarketWriter:
    """Owns one market's in-memory book (`market`): its follower catches it up, its order handler changes it."""

    def __init__(
        self,
        rules: MarketRules,
        database: Database,
        on_change: ChangeListener,
        *,
        max_resting_per_trader: int = 1000,
        journal_keep: int = 20000,
    ) -> None:
        self.market = MarketBook(rules)
        self.follower = BookFollower(self.market, database)
        self.orders = OrderHandler(self.market, max_resting_per_trader=max_resting_per_trader)
        self.journal_keep = journal_keep
        self.database = database
        self.on_change = on_change
        self.queue: asyncio.Queue[Command | None] = asyncio.Queue()
        # Its own thread: a commit never queues behind the reads that share the default pool.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"writer-{rules.symbol}")
        self.task: asyncio.Task | None = None

    @property
    def rules(self) -> MarketRules:
        return self.market.rules

    @property
    def sequence(self) -> int:
        """The stored sequence the book is at; -1 while it must be (re)loaded."""
        return self.market.sequence

    @property
    def snapshot(self) -> BookSnapshot:
        """The book at its sequence, immutable: safe to read from any coroutine."""
        return self.market.snapshot

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"writer {self.rules.symbol}")

    async def stop(self) -> None:
        """Finish what was queued, then stop."""
        if self.task is not None:
            self.queue.put_nowait(None)
            await self.task
            self.task = None
        self.executor.shutdown(wait=True)

    async def submit(self, command: Command) -> Any:
        if self.task is None:
            raise Unavailable("the exchange is not running")
        self.queue.put_nowait(command)
        return await command.future

    async def _run(self) -> None:
        while True:
            first = await self.queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < MAX_BATCH and not self.queue.empty():
                command = self.queue.get_nowait()
                if command is None:
                    stopping = True
                    break
                batch.append(command)
            await self._apply(batch)
            if stopping:
                return

    async def _apply(self, commands: list[Command], attempts: int = DEADLOCK_RETRIES) -> None:
        market = self.market
        before = market.sequence
        market.changed_traders = set()
        try:
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(self.executor, self._transaction, commands)
            observe_batch(self.rules.symbol, sum(not isinstance(command, Sync) for command in commands))
        except (SQLAlchemyError, OSError) as error:
            log.warning("%s: batch of %d rolled back: %s", self.rules.symbol, len(commands), error)
            market.sequence = -1  # the book may hold changes that were not committed: reload it next time
            if isinstance(error, SQLAlchemyError) and is_retryable(error) and attempts > 1:
                # A deadlock on balance rows shared with another market or process: nothing was stored, run it again.
                await self._apply(commands, attempts - 1)
                return
            if isinstance(error, SQLAlchemyError) and is_lock_timeout(error):
                # A lock held elsewhere: each command alone would wait as long again, so the whole batch fails once.
                results = [Unavailable("the market is busy; nothing was changed, please retry")] * len(commands)
            elif len(commands) > 1:
                # One bad command (e.g. a duplicate key raced in from another process) must not sink the rest.
                for command in commands:
                    await self._apply([command])
                return
            else:
                results = [Unavailable("the order could not be stored; nothing was changed, please retry")]
        except Exception:
            log.exception("%s: batch failed", self.rules.symbol)
            market.sequence = -1
            results = [Unavailable("internal error; nothing was changed")] * len(commands)
        for command, result in zip(commands, results, strict=True):
            if command.future.done():
                continue
            if isinstance(result, ServiceError):
                command.future.set_exception(result)
            else:
                command.future.set_result(result)
        if market.sequence != before and market.sequence >= 0:
            traders = None if market.changed_traders is None else frozenset(market.changed_traders)
            self.on_change(self.rules.symbol, market.sequence, traders)

    def _transaction(self, commands: list[Command]) -> list[Any]:
        """Runs in a worker thread: lock, catch up if stale, match, write, commit."""
        market = self.market
        if all(isinstance(command, Sync) for command in commands) and self.follower.catch_up_unlocked():
            market.refresh_snapshot()
            return [market.sequence] * len(commands)
        batch: Batch | None = None
        try:
            with self.database.write() as session:
                locked = writes.lock_market(session, self.rules.id)
                stored = locked.sequence
                if stored != market.sequence:
                    self.follower.catch_up(session, stored)
                places = [command for command in commands if isinstance(command, PlaceOrder)]
                batch = Batch(session, self.rules, locked, len(places))
                batch.lock_balances({command.trader_id for command in commands if not isinstance(command, Sync)})
                batch.read_client_orders(
                    {(c.trader_id, c.client_order_id) for c in places if c.client_order_id is not None}
                )
                answers = [self.orders.apply(batch, command) for command in commands]
                batch.lock_balances_moved()
                batch.read_stored()
                if batch.sequence != stored:
                    batch.write(after=stored, journal_keep=self.journal_keep)
                if market.changed_traders is not None:
                    market.changed_traders |= batch.traders
        except (SQLAlchemyError, OSError) as error:
            # The connection can fail after the database committed (the answer to COMMIT lost on the way): then the
            # batch is stored, and answering "nothing changed" or retrying it would be wrong.
            if batch is None or batch.sequence == stored or not self._stored_anyway(batch):
                raise
            log.warning("%s: the commit reported %s, but the batch is stored", self.rules.symbol, error)
        if batch.new_trades:
            market.traded_at = batch.sequence  # before the snapshot moves: whoever sees the snapshot sees this too
        market.sequence = batch.sequence
        market.refresh_snapshot()
        # Committed: only now are the answers built, from the book's orders and the batch's trades.
        return [self._answer(batch, command, answer) for command, answer in zip(commands, answers, strict=True)]

    def _answer(self, batch: Batch, command: Command, answer: Any) -> Any:
        """One command's answer; the batch is stored, so a failure here must not say that nothing changed."""
        try:
            return batch.answer(command, answer)
        except Exception:
            log.exception("%s: a committed command's answer could not be built", self.rules.symbol)
            return Unavailable("the request was stored, but its answer could not be built: read your orders back")

    def _stored_anyway(self, batch: Batch) -> bool:
        """Whether a batch whose commit failed is in the database after all: look for a row only it wrote."""
        try:
            with self.database.read() as session:
                return writes.batch_marker_stored(session, batch.marker())
        except (SQLAlchemyError, OSError):
            return False  # cannot tell: report the failure, and reload before the next batch
