"""The book ladder as one small element: the whole book once, then only the levels that changed (components/ladder.js).

A `ui.table` re-sends all its rows to every page on any change (NICEGUI-NOTES.md). This element keeps the book the
page was last sent in its props (so that a reload, a resync or any re-send of the element carries the book as it
stands) and sends each page only a delta with the sequence and checksum of app/feed/book_delta.py.
"""

import time
from collections.abc import Callable

from nicegui import ui
from nicegui.element import Element
from nicegui.events import GenericEventArguments

from app.feed.book_delta import Book, book_delta
from app.observability.metrics import count_book_resync
from components.fast_rows import call_text, send, send_call
from components.nicegui_internals import set_plain

# What a developer picks from; the values come from the book's (price, size) texts, computed in the browser.
COLUMN_LABELS = {"price": "Price", "size": "Size", "total": "Total", "notional": "Sum"}
RESYNC_INTERVAL = 1.0  # s: a page that keeps asking for the whole book gets it at most this often


class OrderBookLadder(Element, component="ladder.js"):
    """Asks over the element's default slot (the spread, the last price) over bids; `show(book)` with each new book."""

    def __init__(
        self,
        *,
        columns: tuple[str, ...] = ("price", "size", "total"),
        labels: dict[str, str] | None = None,
        size_places: int,
        notional_places: int,
        on_pick: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        labels = {**COLUMN_LABELS, **(labels or {})}
        self._labels = labels
        self._props["columns"] = [{"name": name, "label": labels[name]} for name in columns]
        self._props["places"] = {"size": size_places, "notional": notional_places}
        self._props["empty"] = {"asks": "No asks", "bids": "No bids"}
        self._props["mine"] = {"asks": [], "bids": []}
        self._props["book"] = None
        self._last_resync = float("-inf")
        self.classes("w-full")
        if on_pick is not None:
            self.on("pick", lambda event: on_pick(str(event.args)))
        self.on("resync", self._resync)

    def set_columns(self, columns: tuple[str, ...]) -> None:
        self._props["columns"] = [{"name": name, "label": self._labels[name]} for name in columns]
        self.update()

    @property
    def book(self) -> Book | None:
        """The book this page was last sent (what it shows once the browser has applied it)."""
        return self._props["book"]

    def show(self, book: Book, *, whole: bool = False, memo: dict | None = None) -> None:
        """Bring the page to `book`: a delta when the page has a book of the same grouping, else the whole book.

        `memo`: shared by the pages showing this book (the market state's), so that the pages that were sent the same
        book before share one delta and its text, as most do."""
        shown = self._props["book"]
        # Before the socket connects the page is still being built: the props go out with it.
        if whole or shown is None or not self.client.has_socket_connection:
            set_plain(self._props, "book", book)
            self.update()
            return
        if book["sequence"] == shown["sequence"] and book is shown:
            return
        set_plain(self._props, "book", book)  # the book is shared by every page: never changed in place
        key = ("delta", id(shown), shown["sequence"], shown["checksum"], id(book))  # ids of books alive now
        memo = {} if memo is None else memo
        call = memo.get(key)
        if call is None:
            call = memo[key] = call_text("apply", book_delta(shown, book))
        send_call(self, call)

    def show_mine(self, asks: list[str], bids: list[str]) -> None:
        """Mark the levels (price texts as the ladder shows them) that hold one of the trader's resting orders."""
        mine = {"asks": asks, "bids": bids}
        if mine == self._props["mine"]:
            return
        set_plain(self._props, "mine", mine)
        if self.client.has_socket_connection:
            send(self, "mark", mine)  # not the whole element: that would carry the whole book too
        else:
            self.update()

    def _resync(self, event: GenericEventArguments) -> None:
        """The page found a gap in the sequence or a checksum it did not compute: send it the whole book."""
        count_book_resync(str(event.args))
        now = time.monotonic()
        if now - self._last_resync < RESYNC_INTERVAL or self._props["book"] is None:
            return  # it asks again in 2 s
        self._last_resync = now
        self.update()


def ladder_css() -> None:
    ui.add_css(CSS)


# The ladder's and the tape's plain tables (the depth bars and the flash are in components/layout.py).
CSS = """
.ob-ladder table, .tape-table { width: 100%; border-collapse: collapse; font-size: 13px;
                                font-variant-numeric: tabular-nums; }
.ob-ladder th, .tape-table th { font-weight: 500; font-size: 12px; opacity: .7; text-align: right; padding: 0 8px;
                                height: 20px; }
.ob-ladder td, .tape-table td { text-align: right; padding: 0 8px; height: 20px; line-height: 20px;
                                white-space: nowrap; }
.ob-middle { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 0 8px; }
.ob-spread-mid { text-align: right; line-height: 1.35; }
.ob-ladder .ob-empty, .tape-table .tape-empty { text-align: center; font-size: 12px; opacity: .7; }
/* The trader's own levels: a dot before the price (generated content, so the price's text stays the price). */
.ob-mine .ob-price .ob-cell::before { content: "●"; font-size: 9px; margin-right: 4px; vertical-align: 1px; }
"""
