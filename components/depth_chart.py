"""The depth chart as one element: cumulative bid and ask sizes by price, redrawn at most once a second.

The card, the title and the ECharts options are drawn in the browser (components/market_chart.js). The points are
ONE JSON string in the element's props, made once per market state and shared by every page showing that state.
"""

import asyncio
import json
import time

from nicegui.element import Element

from app.domain.rules import MarketRules
from app.feed.book_view import depth_curves
from app.feed.market_data import MarketState
from components.fast_rows import call_text, show_series

LEVELS = 100
MIN_REDRAW_INTERVAL = 1.0  # the points are the largest part of a page's update: a busy book redraws them at 1 Hz
NO_POINTS = "[[],[]]"


def depth_json(state: MarketState) -> tuple[str, str]:
    """[bid points, ask points] as JSON, and the `draw` call that sends them: made once per state, for all pages."""
    key = ("depth", LEVELS)
    made = state.memo.get(key)
    if made is None:
        bid_points, ask_points = depth_curves(state.rules, state.book.bids, state.book.asks, LEVELS)
        points = [[list(point) for point in bid_points], [list(point) for point in ask_points]]
        made = state.memo[key] = (json.dumps(points, separators=(",", ":")), call_text("draw", points))
    return made


class DepthChart(Element, component="market_chart.js"):
    """Both sides of the book to `LEVELS` levels in a card titled `title`; `show(state)` with each new state."""

    def __init__(self, rules: MarketRules, *, title: str = "Depth") -> None:
        super().__init__()
        self._props["kind"] = "depth"
        self._props["title"] = title
        self._props["places"] = rules.price_places  # the axis and the tooltip show prices at the book's decimals
        self._props["series"] = NO_POINTS
        self.classes("w-full depth-chart")
        self._last_redraw = 0.0
        self._pending: MarketState | None = None

    @property
    def series(self) -> str:
        """The points this page was last sent, as JSON."""
        return self._props["series"]

    def show(self, state: MarketState) -> None:
        wait = self._last_redraw + MIN_REDRAW_INTERVAL - time.monotonic()
        if wait <= 0:
            self._redraw(state)
            return
        if self._pending is None:  # one redraw is scheduled; later states just replace what it will draw
            asyncio.get_running_loop().call_later(wait, self._redraw_pending)
        self._pending = state

    def _redraw_pending(self) -> None:
        state, self._pending = self._pending, None
        if state is not None and not self.is_deleted:
            self._redraw(state)

    def _redraw(self, state: MarketState) -> None:
        self._last_redraw = time.monotonic()
        show_series(self, *depth_json(state))
