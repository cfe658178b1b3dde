"""One market's cached book and what is kept in step with it: the state a writer's follower and order handler share."""

from collections import Counter

from app.domain.rules import MarketRules
from app.engine.book import OrderBook
from app.exchange.commands import BookSnapshot

SNAPSHOT_DEPTH = 500


class MarketBook:
    """A cache of the database, valid while `sequence` is the stored one; only its market's writer changes it."""

    def __init__(self, rules: MarketRules) -> None:
        self.rules = rules
        self.book = OrderBook()
        self.sequence = -1  # -1: the book must be (re)loaded before use
        self.traded_at = -1  # the newest sequence whose batch is known to have trades (a reload's: it may have)
        self.snapshot = BookSnapshot(-1, (), ())
        self.resting_by_trader: Counter[int] = Counter()  # kept with the book, for the cap on resting orders
        self.changed_traders: set[int] | None = set()  # whose orders changed in the current round; None: unknown

    def refresh_snapshot(self) -> None:
        """Publish the book at its sequence for readers on any coroutine (a new immutable snapshot, if it moved)."""
        if self.snapshot.sequence != self.sequence:
            bids, asks = self.book.depth(SNAPSHOT_DEPTH)
            self.snapshot = BookSnapshot(self.sequence, tuple(bids), tuple(asks))
