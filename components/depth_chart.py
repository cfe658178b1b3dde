"""The depth chart (ECharts): cumulative bid and ask sizes by price."""

from nicegui import ui

from app.book_view import depth_curve
from app.market_data import MarketState

LEVELS = 100


class DepthChart:
    def __init__(self) -> None:
        self.sequence = -1
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered"):
            ui.label("Depth").classes("text-subtitle1 text-weight-medium")
            self.chart = ui.echart(
                {
                    "animation": False,
                    "grid": {"left": 50, "right": 16, "top": 10, "bottom": 30},
                    "tooltip": {"trigger": "axis"},
                    "xAxis": {"type": "value", "scale": True},
                    "yAxis": {"type": "value"},
                    "series": [
                        _series("Bids", "#21ba45"),
                        _series("Asks", "#c10015"),
                    ],
                }
            ).classes("w-full h-56 depth-chart")

    def show(self, state: MarketState) -> None:
        key = ("depth", LEVELS)
        curves = state.memo.get(key)
        if curves is None:
            bids = depth_curve(state.rules, state.book.bids, LEVELS)[::-1]  # ascending prices for the x axis
            asks = depth_curve(state.rules, state.book.asks, LEVELS)
            curves = state.memo[key] = ([list(point) for point in bids], [list(point) for point in asks])
        bids, asks = curves
        series = self.chart.options["series"]
        if series[0]["data"] == bids and series[1]["data"] == asks:
            return
        series[0]["data"] = bids
        series[1]["data"] = asks
        self.chart.update()


def _series(name: str, colour: str) -> dict:
    return {
        "name": name,
        "type": "line",
        "step": "end" if name == "Bids" else "start",
        "symbol": "none",
        "data": [],
        "lineStyle": {"color": colour},
        "itemStyle": {"color": colour},
        "areaStyle": {"color": colour, "opacity": 0.15},
    }
