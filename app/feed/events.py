"""The change feed inside a process: one app-wide event, fired after every committed change of a market's book."""

from nicegui import Event

# (symbol, sequence, ids of the traders whose orders changed, or None when unknown, e.g. another process's change).
market_changed: Event[str, int, frozenset[int] | None] = Event()
