"""Pushing market changes to pages: one app-wide event, and per page a coalescing renderer with a timer fallback."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import app, background_tasks, context

from app.errors import Unavailable
from app.feed.market_data import MarketFeed, MarketState
from app.observability.metrics import LOOP_LAG, RENDER_PACE
from components.events import funds_changed, market_changed

RENDER_INTERVAL = 0.1  # a page renders a market at most this often; bursts in between coalesce
# ... and at most this often while the event loop is saturated: every render costs each page the same sends, however
# many orders it covers, so a busy server renders less often and answers more orders.
BUSY_RENDER_INTERVAL = 0.25
BUSY_LAG = 0.015  # s: a smoothed event-loop lag over this means the loop is saturated
PROBE_INTERVAL = 0.1  # s between two lag probes (a timer callback each: nothing measurable)
CHECK_INTERVAL = 2.0  # the fallback timer: a page that missed a push notices within this time


# The pages showing a market now; one app-wide timer checks them all (a ui.timer per page costs an element and a task).
_live_pages: set["LiveMarket"] = set()


class Pace:
    """How often pages render: every RENDER_INTERVAL while the event loop keeps up, BUSY_RENDER_INTERVAL while it lags.

    The lag is how late a timer callback runs (the work queued ahead of it), smoothed over about ten probes so that
    one long turn of the loop does not switch the pace.
    """

    def __init__(self) -> None:
        self.lag = 0.0

    @property
    def interval(self) -> float:
        return BUSY_RENDER_INTERVAL if self.lag > BUSY_LAG else RENDER_INTERVAL

    def observe(self, lateness: float) -> None:
        self.lag += (max(0.0, lateness) - self.lag) * 0.1


PACE = Pace()


def _probe(loop: asyncio.AbstractEventLoop, due: float) -> None:
    now = loop.time()
    PACE.observe(now - due)
    loop.call_at(now + PROBE_INTERVAL, _probe, loop, now + PROBE_INTERVAL)


def install() -> None:
    """Start the one fallback timer that checks every live page (events.connect forwards changes to market_changed),
    and the probe of the event loop's lag that sets the pages' pace."""
    app.timer(CHECK_INTERVAL, _check_all)
    app.on_startup(_start_probe)


def _start_probe() -> None:
    loop = asyncio.get_running_loop()
    due = loop.time() + PROBE_INTERVAL
    loop.call_at(due, _probe, loop, due)
    RENDER_PACE.set_function(lambda: PACE.interval)
    LOOP_LAG.set_function(lambda: PACE.lag)


def _check_all() -> None:
    for page in list(_live_pages):
        page.check()


Part = Callable[[MarketState], Any]
TraderPart = Callable[[], Awaitable[Any]]


class LiveMarket:
    """One page's live view of one market: subscribes, coalesces bursts, renders its parts at the newest sequence."""

    def __init__(self, feed: MarketFeed, symbol: str, trader_id: int | None = None) -> None:
        self.feed = feed
        self.symbol = symbol
        self.trader_id = trader_id
        self.parts: list[Part] = []
        self.trader_parts: list[TraderPart] = []
        self.funds_parts: list[TraderPart] = []
        self.shown_sequence = -1
        self._shown_state: MarketState | None = None
        self._wanted_sequence = -1
        self._trader_dirty = True
        self._funds_dirty = True
        self._scheduled = False
        self._last_render = 0.0
        self._render_lock = asyncio.Lock()
        # Subscribed inside the page: NiceGUI drops the subscription when the client is deleted.
        market_changed.subscribe(self._on_change)
        if trader_id is not None:
            funds_changed.subscribe(self._on_funds)
        self.client = context.client
        self._missed = False  # a change came while the browser was away: render once it is back
        _live_pages.add(self)
        self.client.on_delete(lambda: _live_pages.discard(self))
        self.client.on_connect(self._on_connect)

    def add(self, part: Part) -> None:
        """A part re-rendered with every new market state."""
        self.parts.append(part)

    def add_trader_part(self, part: TraderPart) -> None:
        """A part about the signed-in trader's own orders, refreshed when they change."""
        self.trader_parts.append(part)

    def add_funds_part(self, part: TraderPart) -> None:
        """A part about the trader's balances, refreshed when their orders change in any market (assets are shared)."""
        self.funds_parts.append(part)

    def _dirty(self) -> None:
        self._trader_dirty = self._funds_dirty = True

    async def start(self) -> None:
        await self.render(initial=True)

    def _on_connect(self) -> None:
        if self._missed:
            self._missed = False
            self._dirty()
            self._schedule()

    def _on_change(self, symbol: str, sequence: int, traders: frozenset[int] | None) -> None:
        touched = self.trader_id is not None and (traders is None or self.trader_id in traders)
        if symbol != self.symbol:
            if touched and self.funds_parts:  # e.g. a fill in ETH-USD moves the USD this page shows
                self._funds_dirty = True
                self._schedule()
            return
        if touched:
            self._dirty()
        self._wanted_sequence = max(self._wanted_sequence, sequence)
        self._schedule()

    def _on_funds(self, traders: frozenset[int]) -> None:
        """Money moved outside the markets (a deposit, maybe by another process): re-read the balances if ours."""
        if self.trader_id in traders and self.funds_parts:
            self._funds_dirty = True
            self._schedule()

    def check(self) -> None:
        """The fallback: nearly free when nothing changed (two comparisons, no I/O)."""
        if not self.client.has_socket_connection:
            return  # rendered when it reconnects, if it missed anything
        if self.feed.stale(self.symbol) or self._shown_state is not self.feed.latest(self.symbol):
            self._dirty()
            self._schedule()

    def _schedule(self) -> None:
        if self._scheduled:
            return
        self._scheduled = True
        delay = max(0.0, self._last_render + PACE.interval - time.monotonic())
        background_tasks.create(self._render_later(delay), name=f"render {self.symbol}")

    async def _render_later(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        self._scheduled = False
        await self.render()

    async def refresh_trader_parts(self) -> None:
        """Re-read the trader's orders and balances now (after the trader acted on this page)."""
        self._dirty()
        await self.render()

    async def render(self, *, initial: bool = False) -> None:
        if self.client.is_deleted:
            return  # the page has gone; a render scheduled just before must not touch its elements
        if not initial and not self.client.has_socket_connection:
            # Nobody is looking (the tab left, or its network is cut): no work for it until it reconnects.
            self._missed = True
            return
        async with self._render_lock:
            self._last_render = time.monotonic()
            try:
                state = await self.feed.state(self.symbol)
            except Unavailable:
                return  # the database is away: the page keeps what it shows, and `check` tries again while stale
            if state is not self._shown_state:
                for part in self.parts:
                    part(state)
                self._shown_state = state
                self.shown_sequence = state.sequence
            if self._trader_dirty and self.trader_parts:
                self._trader_dirty = False
                try:
                    for trader_part in self.trader_parts:
                        await trader_part()
                except Unavailable:
                    self._trader_dirty = True  # read the trader's orders again on the next render
            if self._funds_dirty and self.funds_parts:
                self._funds_dirty = False
                try:
                    for funds_part in self.funds_parts:
                        await funds_part()
                except Unavailable:
                    self._funds_dirty = True
        if self._wanted_sequence > self.shown_sequence and not self._scheduled:
            self._schedule()  # a newer change arrived while rendering: end on the latest state
