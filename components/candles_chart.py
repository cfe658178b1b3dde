"""The price chart (candles with volume) as one element, its candles shared by every page showing the same ones.

The card, the title, the interval buttons and the ECharts options are drawn in the browser (components/market_chart.js).
Each page's element holds the candles as ONE JSON string, the same str object for every page of the market and
interval (`SharedCandles`): a page costs a reference, not a copy, and the candles are loaded, folded and turned into
JSON once per change instead of once per page.
"""

import asyncio
import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from weakref import WeakSet, WeakValueDictionary

import nicegui.elements.echart  # noqa: F401  (registers the "nicegui-echart" module that market_chart.js imports)
from nicegui import background_tasks
from nicegui.element import Element
from nicegui.events import GenericEventArguments

from app.domain.rules import MarketRules
from app.exchange.service import Exchange
from app.feed.candles import MAX_CANDLES, Candle, CandleSeries
from app.feed.market_data import TAPE_LENGTH, MarketState
from app.store.candles import Interval
from components.fast_rows import call_text, show_series
from components.nicegui_internals import set_plain
from components.preferences import chart_interval, keep_chart_interval
from models.clock import aware

INTERVALS: list[Interval] = ["1m", "5m", "1h", "1d"]  # shared by every chart's props: never changed in place
MIN_REDRAW_INTERVAL = 1.0  # as the depth chart: a busy market redraws the chart at 1 Hz
RETRY_INTERVAL = 2.0  # s between loads after one failed
NO_CANDLES = "[]"


class SharedCandles:
    """One market's candles of one interval for all the pages showing them: loaded once, each trade folded once, the
    JSON built at most once a second and pushed to every chart that shows them."""

    def __init__(self, exchange: Exchange, rules: MarketRules, interval: Interval) -> None:
        self.exchange = exchange
        self.rules = rules
        self.interval: Interval = interval
        self.series: CandleSeries | None = None
        self.text = NO_CANDLES  # the JSON every chart's props hold (the same str object)
        self.charts: WeakSet[CandlesChart] = WeakSet()
        self._loading = False
        self._failed_at = float("-inf")
        self._last_redraw = 0.0
        self._redraw_scheduled = False

    def load(self) -> None:
        """Read the candles again from the trades (once, however many pages ask meanwhile)."""
        self.series = None
        if not self._loading:
            self._loading = True
            background_tasks.create(self._load(), name="load candles")

    async def _load(self) -> None:
        try:
            candles, last_id = await self.exchange.reads.live_candles(self.rules.symbol, self.interval, MAX_CANDLES)
        except BaseException:
            self._failed_at = time.monotonic()  # every page shares these candles: try again, not never
            raise
        finally:
            self._loading = False
        self.series = CandleSeries(self.interval, candles, last_id)
        self._redraw()

    def fold(self, state: MarketState) -> None:
        """Fold in the trades not counted yet (the tape holds the newest, newest first); every page calls this."""
        series = self.series
        if series is None and not self._loading and time.monotonic() - self._failed_at >= RETRY_INTERVAL:
            self.load()  # the last load failed (the database was away)
        if series is None or not state.trades or state.trades[0].id <= series.last_trade_id:
            return  # loading, or nothing new: most calls, since every page showing the market makes them
        if len(state.trades) >= TAPE_LENGTH and state.trades[-1].id > series.last_trade_id:
            # The whole tape is new: more trades may have come than it holds, some never seen here. Read them all.
            self.load()
            return
        for trade in reversed(state.trades):
            if trade.id > series.last_trade_id:
                series.add(trade.id, aware(trade.created_at), Decimal(trade.price), Decimal(trade.quantity))
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
        self._redraw()

    def _redraw(self) -> None:
        if self.series is None:
            return
        self._last_redraw = time.monotonic()
        self.text = candles_json(self.rules, self.series)
        call = call_text("draw", json.loads(self.text))  # one text for all pages
        for chart in list(self.charts):
            chart.draw(self.text, call)


def candles_json(rules: MarketRules, series: CandleSeries) -> str:
    """[[label, open, close, low, high, volume, up], ...]: exact decimals as text (ECharts reads numeric strings)."""
    rows = [
        [_label(c, series.seconds), rules.price_text(c.open), rules.price_text(c.close), rules.price_text(c.low),
         rules.price_text(c.high), rules.quantity_text(c.volume), int(c.close >= c.open)]
        for c in series.candles
    ]  # fmt: skip
    return json.dumps(rows, separators=(",", ":"))


def _label(candle: Candle, seconds: int) -> str:
    opened = datetime.fromtimestamp(candle.index * seconds, UTC)
    return opened.strftime("%m-%d" if seconds >= 86400 else "%H:%M")


# The candles pages are showing now; an entry goes when the last chart showing it does.
_shared: "WeakValueDictionary[tuple[int, str, str], SharedCandles]" = WeakValueDictionary()


def shared_candles(exchange: Exchange, rules: MarketRules, interval: Interval) -> SharedCandles:
    # The exchange's id: the entry holds the exchange, so no other exchange (a test's next app) can get its id.
    key = (id(exchange), rules.symbol, interval)
    shared = _shared.get(key)
    if shared is None:
        shared = _shared[key] = SharedCandles(exchange, rules, interval)
        shared.load()
    return shared


class CandlesChart(Element, component="market_chart.js"):
    """The candles of one interval at a time in a card titled `title`, with a button per interval.

    Without `interval`, the one this browser last chose (kept across reloads).
    """

    def __init__(
        self,
        exchange: Exchange,
        rules: MarketRules,
        interval: Interval | None = None,
        *,
        title: str = "Price · times in UTC",
    ) -> None:
        super().__init__()
        self.exchange = exchange
        self.rules = rules
        self._props["kind"] = "candles"
        self._props["title"] = title
        set_plain(self._props, "intervals", INTERVALS)  # one list for all pages, not an observable copy each
        self.classes("w-full candles-chart")
        self.on("interval", self._on_interval)
        self._watch(interval or chart_interval())

    @property
    def interval(self) -> Interval:
        return self._props["interval"]

    @property
    def series(self) -> str:
        """The candles this page was last sent, as JSON (see `candles_json`)."""
        return self._props["series"]

    def _watch(self, interval: Interval) -> None:
        self.shared = shared_candles(self.exchange, self.rules, interval)
        self.shared.charts.add(self)
        self._props["interval"] = interval
        set_plain(self._props, "series", self.shared.text)

    def choose(self, interval: Interval) -> None:
        """Show another interval: its candles (read again from the trades unless another page shows them)."""
        if interval != self.interval and interval in INTERVALS:
            self.shared.charts.discard(self)
            self._watch(interval)
            self.update()

    def _on_interval(self, event: GenericEventArguments) -> None:
        self.choose(event.args)
        keep_chart_interval(self.interval)

    def show(self, state: MarketState) -> None:
        """A new market state: its new trades go into the shared candles, which redraw every page showing them."""
        self.shared.fold(state)

    def draw(self, text: str, call: str) -> None:
        """Send this page the shared candles (`text`), as a `draw` call (`call`) once the page is in the browser."""
        if not self.is_deleted:
            show_series(self, text, call)

    def _handle_delete(self) -> None:
        self.shared.charts.discard(self)
        super()._handle_delete()
