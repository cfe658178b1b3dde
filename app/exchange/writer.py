"""One market's writer: the only code that changes its book, one batch of commands per database transaction."""

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.domain.rules import MarketRules
from app.engine.book import OrderBook
from app.errors import ServiceError, Unavailable
from app.exchange.catch_up import BookFollower
from app.exchange.commands import (
    Batch,
    BookSnapshot,
    CancelAll,
    CancelOrder,
    Command,
    PlaceOrder,
    ReduceOrder,
    ReplaceOrder,
    Sync,
)
from app.exchange.order_handler import OrderHandler
from app.observability.metrics import observe_batch
from app.store import writes
from app.store.db import Database, is_lock_timeout, is_retryable

log = logging.getLogger(__name__)

MAX_BATCH = 256
DEADLOCK_RETRIES = 5  # a batch rolled back to break a deadlock runs again, up to this many times in all

# Called after every committed change: (symbol, sequence, ids of the traders whose orders changed, or None if unknown).
ChangeListener = Callable[[str, int, frozenset[int] | None], None]


class MarketWriter(BookFollower, OrderHandler):
    """Owns one market's in-memory book: a cache of the database, valid while the stored sequence matches."""

    def __init__(
        self,
        rules: MarketRules,
        database: Database,
        on_change: ChangeListener,
        *,
        max_resting_per_trader: int = 1000,
        journal_keep: int = 20000,
    ) -> None:
        self.rules = rules
        self.journal_keep = journal_keep
        self.database = database
        self.on_change = on_change
        self.max_resting_per_trader = max_resting_per_trader
        self.resting_by_trader: Counter[int] = Counter()  # kept with the book, for the cap on resting orders
        self.book = OrderBook()
        self.sequence = -1  # -1: the cache must be (re)loaded before use
        self.traded_at = -1  # the newest sequence whose batch is known to have trades (a reload's: it may have)
        self.snapshot = BookSnapshot(-1, (), ())
        self.queue: asyncio.Queue[Command | None] = asyncio.Queue()
        # Its own thread: a commit never queues behind the reads that share the default pool.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"writer-{rules.symbol}")
        self.task: asyncio.Task | None = None

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
        before = self.sequence
        self.changed_traders: set[int] | None = set()
        try:
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(self.executor, self._transaction, commands)
            observe_batch(self.rules.symbol, commands)
        except (SQLAlchemyError, OSError) as error:
            log.warning("%s: batch of %d rolled back: %s", self.rules.symbol, len(commands), error)
            self.sequence = -1  # the book may hold changes that were not committed: reload it next time
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
            self.sequence = -1
            results = [Unavailable("internal error; nothing was changed")] * len(commands)
        for command, result in zip(commands, results, strict=True):
            if command.future.done():
                continue
            if isinstance(result, ServiceError):
                command.future.set_exception(result)
            else:
                command.future.set_result(result)
        if self.sequence != before and self.sequence >= 0:
            traders = None if self.changed_traders is None else frozenset(self.changed_traders)
            self.on_change(self.rules.symbol, self.sequence, traders)

    def _transaction(self, commands: list[Command]) -> list[Any]:
        """Runs in a worker thread: lock, catch up if stale, match, write, commit."""
        if all(isinstance(command, Sync) for command in commands) and self._catch_up_unlocked():
            self._refresh_snapshot()
            return [self.sequence] * len(commands)
        batch: Batch | None = None
        try:
            with self.database.write() as session:
                stored, fees_collected = writes.lock_market(session, self.rules.id)
                if stored != self.sequence:
                    self._catch_up(session, stored)
                places = sum(isinstance(command, PlaceOrder) for command in commands)
                batch = Batch(session, self.rules, stored, places, fees_collected)
                batch.lock_balances({command.trader_id for command in commands if not isinstance(command, Sync)})
                answers = [self._run_command(batch, command) for command in commands]
                batch.lock_balances_moved()
                batch.read_stored()
                if batch.sequence != stored:
                    batch.write(after=stored, journal_keep=self.journal_keep)
                if self.changed_traders is not None:
                    self.changed_traders |= batch.traders
        except (SQLAlchemyError, OSError) as error:
            # The connection can fail after the database committed (the answer to COMMIT lost on the way): then the
            # batch is stored, and answering "nothing changed" or retrying it would be wrong.
            if batch is None or batch.sequence == stored or not self._stored_anyway(batch):
                raise
            log.warning("%s: the commit reported %s, but the batch is stored", self.rules.symbol, error)
        if batch.new_trades:
            self.traded_at = batch.sequence  # before the snapshot moves: whoever sees the snapshot sees this too
        self.sequence = batch.sequence
        self._refresh_snapshot()
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

    def _run_command(self, batch: Batch, command: Command) -> Any:
        """Apply one command to the book and the batch; it answers in order ids, which `Batch.answer` resolves."""
        try:
            if isinstance(command, PlaceOrder):
                return self._place(batch, command)
            if isinstance(command, CancelOrder):
                return self._cancel(batch, command.trader_id, command.order_id)
            if isinstance(command, CancelAll):
                return [
                    self._cancel(batch, command.trader_id, order.id)
                    for order in sorted(self.book.resting_orders(), key=lambda order: order.id)
                    if order.trader_id == command.trader_id
                ]
            if isinstance(command, ReduceOrder):
                return self._reduce(batch, command)
            if isinstance(command, ReplaceOrder):
                return self._replace(batch, command)
            return self.sequence
        except ServiceError as error:
            return error
