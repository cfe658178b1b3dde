"""The change feed inside a process: app-wide events, after every committed change of a book or of a trader's money."""

from nicegui import Event

# (symbol, sequence, ids of the traders whose orders changed, or None when unknown, e.g. another process's change).
market_changed: Event[str, int, frozenset[int] | None] = Event()

# The traders whose money moved outside the markets (a deposit or withdrawal, in any process): their balances changed.
funds_changed: Event[frozenset[int]] = Event()
