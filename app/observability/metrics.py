"""The Prometheus metrics and the cheap calls that move them from the order path and the push path."""

import functools
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from app.observability.pages import page_count

# The `_created` timestamps double the series and no dashboard here reads them.
disable_created_metrics()
# Our own registry, with the standard collectors put in explicitly: nothing else a library registers globally leaks in.
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

UNKNOWN_MARKET = "unknown"  # a refused order naming no known market: its symbol must not become a label value

ORDERS = Counter(
    "orderbook_orders",
    "Orders placed, by market and outcome: the status right after matching (open, partially_filled, filled, "
    "expired, rejected), duplicate (a client_order_id seen before), refused (4xx), unavailable (503) or error.",
    ["market", "outcome"],
    registry=REGISTRY,
)
ORDER_LATENCY = Histogram(
    "orderbook_order_latency_seconds",
    "From the exchange receiving an order to its batch committed and the order acknowledged.",
    ["market"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
BATCH_COMMANDS = Histogram(
    "orderbook_batch_commands",
    "Traders' commands (place, cancel, cancel all, reduce) committed in one writer transaction.",
    ["market"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
    registry=REGISTRY,
)
PUSH_FANOUT = Histogram(
    "orderbook_push_fanout_seconds",
    "Handing one committed change to every subscribed page (each then renders on its own, coalesced).",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
    registry=REGISTRY,
)
BOOK_CATCH_UPS = Counter(
    "orderbook_book_catch_ups",
    "Books brought up to a sequence another process stored: by replaying the change journal, or by a full reload "
    "(the journal was pruned past this process's sequence, or its book was unknown).",
    ["market", "how"],
    registry=REGISTRY,
)
CHANGE_NOTIFICATIONS = Counter(
    "orderbook_change_notifications",
    "Changes of other processes this one was told of: PostgreSQL notifications, SQLite data_version moves.",
    registry=REGISTRY,
)
LISTENER_CONNECTS = Counter(
    "orderbook_listener_connects",
    "Connections the change listener made (PostgreSQL LISTEN): the first, then one per reconnect.",
    registry=REGISTRY,
)
BOOK_RESYNCS = Counter(
    "orderbook_page_book_resyncs",
    "Whole books (or tapes) a page asked for because a delta did not fit what it showed: a gap in the sequence "
    "(gap), a checksum of the top levels that did not match (checksum), a tape whose newest trade was not the one the "
    "delta followed (tape_gap).",
    ["reason"],
    registry=REGISTRY,
)
RESYNC_REASONS = ("gap", "checksum", "tape_gap")
PAGES = Gauge("orderbook_pages", "NiceGUI clients (pages) the process holds, connected or not.", registry=REGISTRY)
CONNECTED_PAGES = Gauge("orderbook_connected_pages", "Pages with a live socket connection.", registry=REGISTRY)
# Read at scrape time only, as the UI counts them (app/observability/pages.py): nothing on the page path pays for them.
PAGES.set_function(lambda: page_count("pages"))
CONNECTED_PAGES.set_function(lambda: page_count("connected_pages"))

RENDER_PACE = Gauge(
    "orderbook_render_interval_seconds",
    "How often a page renders a changing market at most: longer while the event loop lags (components/live.py).",
    registry=REGISTRY,
)

LOOP_LAG = Gauge(
    "orderbook_event_loop_lag_seconds",
    "How late a timer callback runs on the event loop, smoothed: the work queued ahead of anything the loop does.",
    registry=REGISTRY,
)

STREAM_SOCKETS = Gauge("orderbook_stream_sockets", "Open sockets of the streaming API (/api/ws).", registry=REGISTRY)
STREAM_CLOSES = Counter(
    "orderbook_stream_closes",
    "Streaming API sockets ended, by how: client (the client closed or went away), 1008 (over the frame rate), "
    "1013 (too far behind: its send queue overflowed), or the server's other close codes.",
    ["how"],
    registry=REGISTRY,
)
STREAM_QUEUED_BYTES = Gauge(
    "orderbook_stream_queued_bytes",
    "Bytes queued for streaming clients and not yet handed to their sockets, all sockets together.",
    registry=REGISTRY,
)


@functools.cache
def _orders(market: str, outcome: str) -> Counter:
    """The counter's child for one label pair, looked up once (`labels()` takes a lock and builds a tuple each call)."""
    return ORDERS.labels(market, outcome)


@functools.cache
def _latency(market: str) -> Histogram:
    return ORDER_LATENCY.labels(market)


def count_order(market: str, outcome: str, seconds: float | None = None) -> None:
    """An order's outcome (see ORDERS); `seconds` from its receipt to its acknowledgement, when it was acknowledged."""
    if seconds is not None:
        _latency(market).observe(seconds)
    _orders(market, outcome).inc()


def observe_batch(market: str, requests: int) -> None:
    """After a writer transaction committed: how many traders' commands it carried (syncs are housekeeping)."""
    if requests:
        BATCH_COMMANDS.labels(market).observe(requests)


def timed_fanout(emit: Callable[..., Any]) -> Callable[..., None]:
    """The change listener `emit`, timed: how long handing one change to all subscribed pages takes."""

    def timed(*args: Any) -> None:
        started = time.perf_counter()
        try:
            emit(*args)
        finally:
            PUSH_FANOUT.observe(time.perf_counter() - started)

    return timed


def observe_catch_up(market: str, how: str) -> None:
    """A book caught up with another process's batches, `how` = "journal" or "reload"."""
    BOOK_CATCH_UPS.labels(market, how).inc()


def count_book_resync(reason: str) -> None:
    """A page asked for the whole book; an unknown reason (a page can send anything) counts as "other"."""
    BOOK_RESYNCS.labels(reason if reason in RESYNC_REASONS else "other").inc()
