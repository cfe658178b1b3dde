"""Book and tape deltas for the page, and the checksum that proves a page's ladder equals the server's (no NiceGUI).

A page is sent the whole ladder once (a snapshot), then per update only what changed: the levels whose size
changed, came or went, and the trades that are new. Each book delta names the sequence it applies on (`from`), the
sequence it brings the page to, and the checksum of the top levels the page must then show. The page checks both
and asks for a snapshot when either is off (components/ladder.js does the same as `apply_delta` here).

The checksum is Kraken's (its book checksum, v1): for the top CHECKSUM_LEVELS asks, best (lowest) first, then the
top CHECKSUM_LEVELS bids, best (highest) first, each level adds its price text then its size text, each with the
decimal point removed and the leading zeros stripped; the CRC32 (IEEE, as zlib's) of the whole string, unsigned.
Asks 101.00 x 0.2500 and 102.00 x 0.5000 over a bid 99.00 x 0.1000 hash "101002500" + "102005000" + "99001000".
The texts are those the ladder shows, so at a coarser price grouping the grouped prices and sizes are hashed.
"""

import zlib
from collections.abc import Iterable, Sequence
from decimal import Decimal

from app.feed.book_view import BookLadder

CHECKSUM_LEVELS = 10

Side = list[list[str]]  # [[price, size], ...] best first, as the page shows them
Book = dict  # {"sequence": int, "checksum": int, "asks": Side, "bids": Side, and texts shown with it: "spread", ...}
TEXTS = ("spread", "mid", "last", "direction")  # shown between the ladder's sides: in a delta when they change
BookDelta = dict  # {"from": int, "sequence": int, "checksum": int, "asks": {price: size | None}, "bids": {...}}


def _digits(text: str) -> str:
    return text.replace(".", "").lstrip("0")


def checksum_text(asks: Sequence[Sequence[str]], bids: Sequence[Sequence[str]]) -> str:
    """The exact string that is hashed (see the module's docstring)."""
    levels = [*asks[:CHECKSUM_LEVELS], *bids[:CHECKSUM_LEVELS]]
    return "".join(_digits(price) + _digits(size) for price, size in levels)


def checksum(asks: Sequence[Sequence[str]], bids: Sequence[Sequence[str]]) -> int:
    return zlib.crc32(checksum_text(asks, bids).encode("ascii"))


def book_of(view: BookLadder, sequence: int) -> Book:
    """The snapshot a page is sent: both sides best first, as [price, size] texts."""
    asks = [[row.price, row.size] for row in reversed(view.asks)]
    bids = [[row.price, row.size] for row in view.bids]
    return {"sequence": sequence, "checksum": checksum(asks, bids), "asks": asks, "bids": bids}


def _side_delta(old: Side, new: Side) -> dict[str, str | None]:
    before = dict((price, size) for price, size in old)
    after = dict((price, size) for price, size in new)
    changes: dict[str, str | None] = {price: size for price, size in after.items() if before.get(price) != size}
    changes.update({price: None for price in before if price not in after})
    return changes


def book_delta(old: Book, new: Book) -> BookDelta:
    """What turns the page's `old` book into `new`: changed or new levels with their size, removed ones as None."""
    delta: BookDelta = {"from": old["sequence"], "sequence": new["sequence"], "checksum": new["checksum"]}
    for side in ("asks", "bids"):
        if changes := _side_delta(old[side], new[side]):
            delta[side] = changes
    delta.update({key: new.get(key) for key in TEXTS if new.get(key) != old.get(key)})
    return delta


def apply_delta(book: Book, delta: BookDelta) -> Book:
    """The book after `delta`, as the page computes it (it then compares the checksum; see components/ladder.js)."""
    result: Book = {"sequence": delta["sequence"], "checksum": delta["checksum"]}
    for side in ("asks", "bids"):
        levels = dict((price, size) for price, size in book[side])
        for price, size in delta.get(side, {}).items():
            if size is None:
                levels.pop(price, None)
            else:
                levels[price] = size
        ordered = sorted(levels.items(), key=lambda level: Decimal(level[0]), reverse=side == "bids")
        result[side] = [[price, size] for price, size in ordered]
    result.update({key: delta.get(key, book.get(key)) for key in TEXTS if key in delta or key in book})
    return result


def verified(book: Book) -> bool:
    """Whether a book's levels hash to the checksum it carries."""
    return checksum(book["asks"], book["bids"]) == book["checksum"]


TapeRow = list  # [id, price, quantity, taker side, "HH:MM:SS"]


def tape_delta(shown_newest: int | None, rows: Iterable[TapeRow]) -> list[TapeRow] | None:
    """The rows (newest first) newer than the page's newest one; None when the page's newest is no longer among
    `rows` (more trades came than the tape holds, or the page has none): then the page needs them all."""
    newer: list[TapeRow] = []
    for row in rows:
        if row[0] == shown_newest:
            return newer
        newer.append(row)
    return None
