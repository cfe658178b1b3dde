"""The book card as one small element: the whole book once, then only the levels that changed (components/ladder.js).

A `ui.table` re-sends the whole element, every row, to every page on any change. This element keeps the book the
page was last sent in its props (so that a reload, a resync or any re-send of the element carries the book as it
stands) and sends each page only a delta with the sequence and checksum of app/feed/book_delta.py. Each NiceGUI
element costs the server kilobytes a page, so the title, the controls and the last price are drawn by ladder.js too,
from props that every page of a market shares (the same objects, not copies).
"""

import time
from collections.abc import Callable
from functools import cache
from typing import Any

from nicegui.element import Element
from nicegui.events import GenericEventArguments

from app.feed.book_delta import Book, book_delta
from app.observability.metrics import count_book_resync
from components.fast_rows import call_text, send, send_call
from components.nicegui_internals import set_plain
from components.shared_css import add_shared_css

# What a developer picks from; the values come from the book's (price, size) texts, computed in the browser.
COLUMN_LABELS = {
    "price": "Price",
    "size": "Size",
    "total": "Total",
    "notional": "Value",
}  # value: price x size, per level
RESYNC_INTERVAL = 1.0  # s: a page that keeps asking for the whole book gets it at most this often
NO_MARKS: dict[str, list[str]] = {"asks": [], "bids": []}


class OrderBookLadder(Element, component="ladder.js"):
    """The whole book card as one element: title, Value toggle, grouping, asks, the last price, spread and mid, bids.

    The browser draws all of it from `config` (one object shared by every page with the same arguments), the `book`
    (shared by every page showing it) and its deltas; `on_pick(price)` when a level is clicked, `on_group(ticks)`
    when another price grouping is chosen. The Value toggle shows the notional column in the browser alone.
    """

    def __init__(
        self,
        *,
        title: str = "Order book",
        columns: tuple[str, ...] = ("price", "size", "total"),
        labels: dict[str, str] | None = None,
        size_places: int,
        notional_places: int,
        groupings: tuple[tuple[int, str], ...] = ((1, "1"),),
        quote: str = "",
        on_pick: Callable[[str], None] | None = None,
        on_group: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        ladder_css()
        labels_key = tuple(sorted({**COLUMN_LABELS, **(labels or {})}.items()))
        config = _config(title, columns, labels_key, size_places, notional_places, groupings, quote)
        set_plain(self._props, "config", config)  # the same object on every page: never changed in place
        set_plain(self._props, "mine", NO_MARKS)
        set_plain(self._props, "book", None)
        self._props["group"] = groupings[0][0]
        self._last_resync = float("-inf")
        self.classes("w-full")
        if on_pick is not None:
            self.on("pick", lambda event: on_pick(str(event.args)))
        if on_group is not None:
            self.on("group", lambda event: on_group(int(event.args)))
        self.on("resync", self._resync)

    @property
    def group(self) -> int:
        """The price grouping the page shows, in ticks."""
        return int(self._props["group"])

    @group.setter
    def group(self, ticks: int) -> None:
        self._props["group"] = ticks  # goes out with the next whole book

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


@cache
def _config(
    title: str,
    columns: tuple[str, ...],
    labels: tuple[tuple[str, str], ...],
    size_places: int,
    notional_places: int,
    groupings: tuple[tuple[int, str], ...],
    quote: str,
) -> dict[str, Any]:
    """The ladder's fixed props, one object for every page built with the same arguments (a market's pages)."""
    return {
        "title": title,
        "columns": list(columns),
        "labels": dict(labels),
        "places": {"size": size_places, "notional": notional_places},
        "empty": {"asks": "No asks", "bids": "No bids"},
        "groupings": [list(grouping) for grouping in groupings],
        "notional_button": "Value",
        "notional_title": f"Show or hide each level's value in {quote or 'the quote currency'} (price x size)",
    }


def ladder_css() -> None:
    """The ladder's and the tape's CSS, in the head every page shares (each tab would keep a copy of a page's own)."""
    add_shared_css(CSS)


# The ladder's and the tape's cards and plain tables (the depth bars and the flash are in components/layout.py).
CSS = """
.ob-ladder, .tape-body { padding: 8px; display: flex; flex-direction: column; gap: 4px; }
.ob-head { display: flex; align-items: center; gap: 8px; min-height: 28px; }
.ob-title, .tape-title { font-size: 1rem; font-weight: 500; line-height: 1.75rem; letter-spacing: .00937em; }
.ob-title { flex: 1 1 auto; }
.ob-control { font: inherit; font-size: 12px; color: inherit; background: transparent; border: 0; border-radius: 4px;
              padding: 2px 6px; cursor: pointer; }
.ob-control:hover { background: rgba(128, 128, 128, .15); }
.ob-control:focus-visible { outline: 2px solid var(--q-primary); outline-offset: 1px; }
.ob-notional-toggle { color: var(--q-primary); font-weight: 500; opacity: .75; }
.ob-notional-toggle.ob-on { opacity: 1; background: rgba(128, 128, 128, .18); }
.ob-grouping { font-size: 14px; min-width: 72px; border-bottom: 1px solid rgba(128, 128, 128, .4); border-radius: 0; }
.body--dark .ob-grouping { color-scheme: dark; }
.body--dark .ob-grouping option { background: #1d1d1d; }
/* Equal columns: the asks' table (with the header) and the bids' line up whatever their texts' widths. */
.ob-ladder table { table-layout: fixed; }
.ob-last { display: flex; align-items: center; gap: 6px; font-size: 1.25rem; font-weight: 700; line-height: 2rem; }
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
