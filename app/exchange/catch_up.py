"""How a market's writer keeps its cached book in step with batches other processes committed: journal or reload."""

import logging
from collections import Counter
from typing import Any

from app.domain.rules import MarketRules
from app.engine.book import OrderBook
from app.engine.changes import apply_change
from app.exchange.commands import BookSnapshot
from app.exchange.journal import Entry, contiguous, decode
from app.observability.metrics import observe_catch_up
from app.store import journal, writes
from app.store.db import Database

log = logging.getLogger(__name__)

SNAPSHOT_DEPTH = 500


class BookFollower:
    """The part of MarketWriter that brings its book to the stored sequence; the cost is that of the changes missed."""

    rules: MarketRules
    database: Database
    book: OrderBook
    sequence: int  # -1: the book must be reloaded before use
    traded_at: int
    snapshot: BookSnapshot
    resting_by_trader: Counter[int]
    changed_traders: set[int] | None  # whose orders changed in the current round; None: unknown

    def _refresh_snapshot(self) -> None:
        if self.snapshot.sequence != self.sequence:
            bids, asks = self.book.depth(SNAPSHOT_DEPTH)
            self.snapshot = BookSnapshot(self.sequence, tuple(bids), tuple(asks))

    def _catch_up_unlocked(self) -> bool:
        """Replay the journal after our sequence without the market's lock; False when only the locked path can tell.

        Each journal row commits with its batch, and batches commit in sequence order, so the rows seen form a prefix.
        """
        if self.sequence < 0:
            return False
        with self.database.read() as session:
            rows = journal.rows_after(session, self.rules.id, self.sequence)
            if not rows:  # nothing newer journaled: up to date, unless the sequence moved without a row
                return writes.stored_sequences(session)[self.rules.id] == self.sequence
        entries = [decode(*row, self.rules) for row in rows]
        if not contiguous(entries, self.sequence, self.sequence + 1):
            return False
        self._replay(entries)
        return True

    def _catch_up(self, session: Any, stored: int) -> None:
        """Under the market's lock: replay the journal from our sequence to the stored one, or reload the book."""
        if self.sequence >= 0 and stored > self.sequence:
            entries = [decode(*row, self.rules) for row in journal.rows_after(session, self.rules.id, self.sequence)]
            if contiguous(entries, self.sequence, stored):
                self._replay(entries)
                return
        if self.sequence >= 0:
            self.changed_traders = None  # the journal was pruned past us: whose orders changed is unknown
            observe_catch_up(self.rules.symbol, "reload")
        self._reload(session, stored)

    def _replay(self, entries: list[Entry]) -> None:
        """Apply journal entries: the work is that of the changes, not of the book's size."""
        for entry in entries:
            self.resting_by_trader.update(apply_change(self.book, entry.change))
            if self.changed_traders is not None:
                self.changed_traders |= entry.traders
            if entry.traded:
                self.traded_at = entry.sequence
            self.sequence = entry.sequence
        observe_catch_up(self.rules.symbol, "journal")

    def _reload(self, session: Any, stored: int) -> None:
        book = OrderBook()
        for order in writes.resting_orders(session, self.rules):
            book.add_resting(order)
        self.book = book
        self.traded_at = stored  # what it traded since is unknown
        self.resting_by_trader = Counter(order.trader_id for order in book.resting_orders())
        log.info("%s: book reloaded at sequence %d (%d resting orders)", self.rules.symbol, stored, len(book))
