"""The trades tape, one element: newest first, coloured by the taker's side; only new trades are sent (tape.js)."""

import time

from nicegui.element import Element
from nicegui.events import GenericEventArguments

from app.feed.book_delta import TapeRow, tape_delta
from app.feed.market_data import MarketState
from app.observability.metrics import count_book_resync
from components.fast_rows import call_text, send_call
from components.ladder import RESYNC_INTERVAL, ladder_css
from components.nicegui_internals import set_plain

ROWS = 20
NO_ROWS: list[TapeRow] = []
COLUMNS = [
    {"name": "price", "label": "Price"},
    {"name": "quantity", "label": "Size"},
    {"name": "time", "label": "Time (UTC)"},  # the server's clock, as every time the page shows
]


def tape_rows(state: MarketState) -> list[TapeRow]:
    """The tape's rows at this state, computed once per state and shared by every page."""
    rows: list[TapeRow] | None = state.memo.get("tape")
    if rows is None:
        rows = [
            [trade.id, trade.price, trade.quantity, trade.taker_side, trade.created_at.strftime("%H:%M:%S")]
            for trade in state.trades[:ROWS]
        ]
        state.memo["tape"] = rows
    return rows


class TapeTable(Element, component="tape.js"):
    """The tape's card, title and rows as plain data: the whole list once, then only the trades new to this page."""

    def __init__(self, title: str = "Recent trades") -> None:
        super().__init__()
        ladder_css()  # the tape's CSS is the ladder's (one shared stylesheet)
        self._props["title"] = title
        set_plain(self._props, "columns", COLUMNS)  # the same list on every page: never changed in place
        self._props["length"] = ROWS
        self._props["empty"] = "No trades yet"
        set_plain(self._props, "rows", NO_ROWS)
        self._last_resync = float("-inf")
        self.classes("w-full trades-tape")
        self.on("resync", self._resync)

    @property
    def rows(self) -> list[TapeRow]:
        return self._props["rows"]

    def show(self, rows: list[TapeRow], memo: dict | None = None) -> None:
        shown: list[TapeRow] = self._props["rows"]
        newest = shown[0][0] if shown else None
        if (rows[0][0] if rows else None) == newest:
            return  # the book changed, the tape did not
        memo = {} if memo is None else memo  # the market state's: pages that showed the same trade share the delta
        key = ("tape delta", newest)
        if key not in memo:
            new = tape_delta(newest, rows)
            memo[key] = None if new is None else call_text("add", {"after": newest, "trades": new})
        set_plain(self._props, "rows", rows)  # shared by every page: never changed in place
        if memo[key] is None or not self.client.has_socket_connection:
            self.update()
        else:
            send_call(self, memo[key])

    def _resync(self, event: GenericEventArguments) -> None:
        count_book_resync("tape_gap")
        now = time.monotonic()
        if now - self._last_resync >= RESYNC_INTERVAL:
            self._last_resync = now
            self.update()


class TradesTape:
    """The tape of a market page: `TradesTape().show(state)` with each market state."""

    def __init__(self, title: str = "Recent trades") -> None:
        self.table = TapeTable(title)

    def show(self, state: MarketState) -> None:
        self.table.show(tape_rows(state), state.memo)
