"""The depth chart (ECharts): cumulative bid and ask sizes by price, redrawn at most once a second."""

import asyncio
import time

from nicegui import ui

from app.exchange.rules import MarketRules
from app.feed.book_view import depth_curves
from app.feed.market_data import MarketState
from components.candles_chart import AXIS, AXIS_TEXT, SPLIT
from components.fast_rows import call_text, send_call
from components.nicegui_internals import set_plain

LEVELS = 100
MIN_REDRAW_INTERVAL = 1.0  # the chart's options are the largest part of an update: a busy book redraws it at 1 Hz


class DepthChart:
    def __init__(self, rules: MarketRules) -> None:
        self._last_redraw = 0.0
        self._pending: MarketState | None = None
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered"):
            ui.label("Depth").classes("text-subtitle1 text-weight-medium")
            self.chart = ui.echart(
                {
                    "animation": False,
                    "grid": {"left": 50, "right": 16, "top": 10, "bottom": 30},
                    "tooltip": {"trigger": "axis"},
                    # Prices at the book's decimals, on the axis and in the tooltip alike.
                    "xAxis": {
                        **AXIS,
                        **SPLIT,
                        "type": "value",
                        "scale": True,
                        "axisLabel": {
                            **AXIS_TEXT,
                            ":formatter": f"value => value.toFixed({rules.price_places})",
                            "hideOverlap": True,  # a phone's narrow chart drops the labels that would overlap
                        },
                        "axisPointer": {"label": {":formatter": f"p => p.value.toFixed({rules.price_places})"}},
                    },
                    "yAxis": {**AXIS, **SPLIT, "type": "value"},
                    "series": [
                        _series("Bids", "#21ba45"),
                        _series("Asks", "#c10015"),
                    ],
                }
            ).classes("w-full h-36 depth-chart")

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
        if state is not None and not self.chart.is_deleted:
            self._redraw(state)

    def _redraw(self, state: MarketState) -> None:
        self._last_redraw = time.monotonic()
        key = ("depth", LEVELS)
        curves = state.memo.get(key)
        if curves is None:
            bid_points, ask_points = depth_curves(state.rules, state.book.bids, state.book.asks, LEVELS)
            curves = state.memo[key] = ([list(point) for point in bid_points], [list(point) for point in ask_points])
        bids, asks = curves
        series = self.chart.options["series"]
        if series[0]["data"] == bids and series[1]["data"] == asks:
            return
        # Plain lists, not observables (as for the ladder's rows): the points are never changed in place.
        set_plain(series[0], "data", bids)
        set_plain(series[1], "data", asks)
        if self.chart.client.has_socket_connection:
            # Only the points (ECharts merges them into the series by index), not all the chart's options again.
            call = state.memo.get(("depth call", LEVELS))
            if call is None:
                points = {"series": [{"data": bids}, {"data": asks}]}
                call = state.memo[("depth call", LEVELS)] = call_text("run_chart_method", "setOption", points)
            send_call(self.chart, call)
        else:
            self.chart.update()


def _series(name: str, colour: str) -> dict:
    return {
        "name": name,
        "type": "line",
        # A bid level holds from the next lower level up to its price, an ask level from its price up to the next one.
        "step": "start" if name == "Bids" else "end",
        "symbol": "none",
        "data": [],
        "lineStyle": {"color": colour},
        "itemStyle": {"color": colour},
        "areaStyle": {"color": colour, "opacity": 0.15},
    }
