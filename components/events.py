"""The change feed inside a process: app-wide events, after every committed change of a book or of a trader's money.

Events carry news from the long-living services to the short-living pages, so they live here, beside the pages that
listen; `connect` (registered by components/mount.py) forwards the services' news to them at start-up.
"""

from nicegui import Event

from app.observability.metrics import timed_fanout
from app.services import Services

# (symbol, sequence, ids of the traders whose orders changed, or None when unknown, e.g. another process's change).
market_changed: Event[str, int, frozenset[int] | None] = Event()

# The traders whose money moved outside the markets (a deposit or withdrawal, in any process): their balances changed.
funds_changed: Event[frozenset[int]] = Event()


def connect(running: Services) -> None:
    """Forward every committed change of the exchange, and the ledger's news of deposits, to the events."""
    running.exchange.subscribe(timed_fanout(market_changed.emit))
    running.ledger.subscribe(funds_changed.emit)
