"""How a market's writer keeps its cached book in step with batches other processes committed: journal or reload."""

import logging
from collections import Counter
from typing import Any

from app.engine.book import OrderBook
from app.engine.changes import apply_change
from app.exchange.journal import Entry, contiguous, decode
from app.exchange.market_book import MarketBook
from app.observability.metrics import observe_catch_up
from app.store import journal, writes
from app.store.db import Database

log = logging.getLogger(__name__)


class BookFollower:
    """Brings the writer's book to the stored sequence; the cost is that of the changes missed."""

    def __init__(self, market: MarketBook, database: Database) -> None:
        self.market = market
        self.database = database

    def catch_up_unlocked(self) -> bool:
        """Replay the journal after our sequence without the market's lock; False when only the locked path can tell.

        Each journal row commits with its batch, and batches commit in sequence order, so the rows seen form a prefix.
        """
        market = self.market
        if market.sequence < 0:
            return False
        with self.database.read() as session:
            rows = journal.rows_after(session, market.rules.id, market.sequence)
            if not rows:  # nothing newer journaled: up to date, unless the sequence moved without a row
                return writes.stored_sequences(session)[market.rules.id] == market.sequence
        entries = [decode(*row, market.rules) for row in rows]
        if not contiguous(entries, market.sequence, market.sequence + 1):
            return False
        self._replay(entries)
        return True

    def catch_up(self, session: Any, stored: int) -> None:
        """Under the market's lock: replay the journal from our sequence to the stored one, or reload the book."""
        market = self.market
        if market.sequence >= 0 and stored > market.sequence:
            rows = journal.rows_after(session, market.rules.id, market.sequence)
            entries = [decode(*row, market.rules) for row in rows]
            if contiguous(entries, market.sequence, stored):
                self._replay(entries)
                return
        if market.sequence >= 0:
            market.changed_traders = None  # the journal was pruned past us: whose orders changed is unknown
            observe_catch_up(market.rules.symbol, "reload")
        self._reload(session, stored)

    def _replay(self, entries: list[Entry]) -> None:
        """Apply journal entries: the work is that of the changes, not of the book's size."""
        market = self.market
        for entry in entries:
            market.resting_by_trader.update(apply_change(market.book, entry.change))
            if market.changed_traders is not None:
                market.changed_traders |= entry.traders
            if entry.traded:
                market.traded_at = entry.sequence
            market.sequence = entry.sequence
        observe_catch_up(market.rules.symbol, "journal")

    def _reload(self, session: Any, stored: int) -> None:
        market = self.market
        book = OrderBook()
        for order in writes.resting_orders(session, market.rules):
            book.add_resting(order)
        market.book = book
        market.traded_at = stored  # what it traded since is unknown
        market.resting_by_trader = Counter(order.trader_id for order in book.resting_orders())
        log.info("%s: book reloaded at sequence %d (%d resting orders)", market.rules.symbol, stored, len(book))
