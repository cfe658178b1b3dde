"""The price chart (ECharts candlestick with volume): one interval at a time, the last candle updated live."""

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal

from nicegui import background_tasks, ui

from app.exchange.rules import MarketRules
from app.exchange.service import Exchange
from app.feed.candles import MAX_CANDLES, Candle, CandleSeries
from app.feed.market_data import TAPE_LENGTH, MarketState
from app.store.candles import Interval
from components.nicegui_internals import set_plain
from models.clock import aware

INTERVALS: list[Interval] = ["1m", "5m", "1h", "1d"]
MIN_REDRAW_INTERVAL = 1.0  # as the depth chart: a busy market redraws the chart at 1 Hz
UP, DOWN = "#21ba45", "#c10015"
# Mid-grey text and faint lines read on the light and the dark theme alike (ECharts' own theme is set only once).
AXIS_TEXT = {"color": "#9e9e9e"}
AXIS: dict = {"axisLabel": AXIS_TEXT, "axisLine": {"lineStyle": {"color": "#757575"}}}
SPLIT: dict = {"splitLine": {"lineStyle": {"color": "rgba(128, 128, 128, .2)"}}}


class CandlesChart:
    def __init__(self, exchange: Exchange, rules: MarketRules, interval: Interval = "1m") -> None:
        self.exchange = exchange
        self.rules = rules
        self.interval = interval
        self.series: CandleSeries | None = None
        self._last_redraw = 0.0
        self._redraw_scheduled = False
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("Price").classes("text-subtitle1 text-weight-medium")
                ui.toggle(INTERVALS, value=interval, on_change=lambda e: self.choose(e.value)).props(
                    "dense no-caps size=sm"
                ).classes("candle-interval")
            self.chart = ui.echart(_options()).classes("w-full h-56 candles-chart")
        background_tasks.create(self._load(), name="load candles")

    def choose(self, interval: Interval) -> None:
        """Show another interval: its candles are read again from the trades."""
        if interval != self.interval:
            self.interval = interval
            self.series = None
            background_tasks.create(self._load(), name="load candles")

    async def _load(self) -> None:
        interval = self.interval
        candles, last_id = await self.exchange.live_candles(self.rules.symbol, interval, MAX_CANDLES)
        if interval != self.interval or self.chart.is_deleted:
            return  # another interval was chosen meanwhile
        self.series = CandleSeries(interval, candles, last_id)
        self._redraw()

    def show(self, state: MarketState) -> None:
        """Fold in the trades the page has not counted yet (the tape holds the newest, newest first)."""
        if self.series is None:
            return
        if len(state.trades) >= TAPE_LENGTH and state.trades[-1].id > self.series.last_trade_id:
            # The whole tape is new: more trades may have come than it holds, some never seen here. Read them all.
            self.series = None
            background_tasks.create(self._load(), name="load candles")
            return
        changed = False
        for trade in reversed(state.trades):
            changed |= self.series.add(trade.id, aware(trade.created_at), Decimal(trade.price), Decimal(trade.quantity))
        if changed:
            self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        wait = self._last_redraw + MIN_REDRAW_INTERVAL - time.monotonic()
        if wait <= 0:
            self._redraw()
        elif not self._redraw_scheduled:
            self._redraw_scheduled = True
            asyncio.get_running_loop().call_later(wait, self._redraw_later)

    def _redraw_later(self) -> None:
        self._redraw_scheduled = False
        if not self.chart.is_deleted:
            self._redraw()

    def _redraw(self) -> None:
        if self.series is None:
            return
        self._last_redraw = time.monotonic()
        candles = self.series.candles
        seconds = self.series.seconds
        times = [_label(candle, seconds) for candle in candles]
        options = self.chart.options
        # Exact decimals as text (ECharts reads numeric strings): no float on the way to the browser.
        prices = [[self.rules.price_text(c.open), self.rules.price_text(c.close), self.rules.price_text(c.low),
                   self.rules.price_text(c.high)] for c in candles]  # fmt: skip
        volumes = [
            {"value": self.rules.quantity_text(c.volume), "itemStyle": {"color": UP if c.close >= c.open else DOWN}}
            for c in candles
        ]
        set_plain(options["xAxis"][0], "data", times)
        set_plain(options["xAxis"][1], "data", times)
        set_plain(options["series"][0], "data", prices)
        set_plain(options["series"][1], "data", volumes)
        self.chart.update()


def _label(candle: Candle, seconds: int) -> str:
    opened = datetime.fromtimestamp(candle.index * seconds, UTC)
    return opened.strftime("%m-%d" if seconds >= 86400 else "%H:%M")


def _options() -> dict:
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "cross"}},
        "axisPointer": {"link": [{"xAxisIndex": "all"}]},
        "grid": [
            {"left": 56, "right": 12, "top": 8, "height": "64%"},
            {"left": 56, "right": 12, "top": "78%", "bottom": 20},
        ],
        "xAxis": [
            {**AXIS, "type": "category", "data": [], "boundaryGap": True, "axisLabel": {"show": False}},
            {**AXIS, "type": "category", "gridIndex": 1, "data": [], "boundaryGap": True},
        ],
        "yAxis": [
            {**AXIS, **SPLIT, "scale": True, "splitNumber": 4},
            {**SPLIT, "gridIndex": 1, "splitNumber": 1, "axisLabel": {"show": False}},
        ],
        "series": [
            {
                "name": "Price",
                "type": "candlestick",
                "data": [],
                "itemStyle": {"color": UP, "color0": DOWN, "borderColor": UP, "borderColor0": DOWN},
            },
            {"name": "Volume", "type": "bar", "xAxisIndex": 1, "yAxisIndex": 1, "data": []},
        ],
    }
