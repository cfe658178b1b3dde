"""What a book channel's subscribers at one depth are sent, as plain data: a snapshot, then updates (no I/O).

An update carries only the levels whose size changed, came or went within the depth (a level pushed past the depth is
gone, one brought into it is new), `from` (the sequence it applies on: the previous update's, or the snapshot's) and
the checksum of the book it leads to (app/feed/book_delta.py). A change that moved nothing within the depth sends
nothing: the next update still applies on the sequence the subscribers have, so `from` may be older than the
sequence before the update's own. A subscriber who joins later is sent the book at the last sequence sent.
"""

from app.feed.book_delta import Book, Side, book_delta, checksum

Message = dict


class BookStream:
    """One market's book at one depth as its subscribers last saw it."""

    def __init__(self, market: str, depth: int) -> None:
        self.market = market
        self.depth = depth
        self.book: Book | None = None  # as last sent; its sequence is the last update's (or the first read's)
        self.seen = -1  # the newest sequence looked at

    def advance(self, sequence: int, asks: Side, bids: Side) -> Message | None:
        """The update to the book at `sequence` (sides best first, at most `depth` levels); None if none is due.

        A sequence older than the book's (the book was reloaded from the database) starts over: the snapshot then
        is the message, and every subscriber must take it.
        """
        if sequence == self.seen or sequence < 0:
            return None
        self.seen = sequence
        new: Book = {"sequence": sequence, "checksum": checksum(asks, bids), "asks": asks, "bids": bids}
        old = self.book
        if old is None or sequence < old["sequence"]:
            self.book = new
            return None if old is None else self.snapshot()
        delta = book_delta(old, new)
        if "asks" not in delta and "bids" not in delta:
            return None
        self.book = new
        return {
            "channel": "book",
            "market": self.market,
            "type": "update",
            "from": delta["from"],
            "sequence": delta["sequence"],
            "checksum": delta["checksum"],
            "asks": delta.get("asks", {}),
            "bids": delta.get("bids", {}),
        }

    def snapshot(self) -> Message:
        book = self.book
        assert book is not None, "advance first"
        return {
            "channel": "book",
            "market": self.market,
            "type": "snapshot",
            "depth": self.depth,
            "sequence": book["sequence"],
            "checksum": book["checksum"],
            "asks": book["asks"],
            "bids": book["bids"],
        }
