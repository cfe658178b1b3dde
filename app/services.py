"""The running process's services, made at start-up and handed to routes and pages."""

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from app.accounts.ledger_feed import LedgerFollower
from app.accounts.service import Accounts
from app.errors import Unavailable
from app.exchange.service import Exchange
from app.feed.market_data import MarketFeed
from app.settings import Settings
from app.store.db import Database

STARTUP_WAIT = 30.0


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    exchange: Exchange
    accounts: Accounts
    feed: MarketFeed  # what every market page shows, computed once per sequence
    ledger: LedgerFollower  # whose money moved outside the markets
    tasks: list[asyncio.Task] = field(default_factory=list)  # background work that ends with the process


_current: Services | None = None
_ready: asyncio.Event | None = None
StartHook = Callable[[Services], None]
_start_hooks: list[StartHook] = []


def when_started(hook: StartHook) -> None:
    """Call `hook(services)` each time the services are made, before they serve (the UI subscribes its events so).

    Registering the same hook again changes nothing: an app mounted anew (as tests do) keeps one subscription.
    """
    if hook not in _start_hooks:
        _start_hooks.append(hook)


def _ready_event() -> asyncio.Event:
    global _ready
    if _ready is None:
        _ready = asyncio.Event()
    return _ready


def install(services: Services | None) -> None:
    """Set (or, on shut-down, clear) the process's services; the start-up hooks run first."""
    global _current, _ready
    if services is None:
        _current = _ready = None
        return
    for hook in _start_hooks:
        hook(services)
    _current = services
    _ready_event().set()


def current() -> Services:
    """The services; NiceGUI runs start-up in the background, so requests can arrive first: they get a 503."""
    if _current is None:
        raise Unavailable("the server is starting; retry in a moment")
    return _current


def running() -> Services | None:
    """The services, or None while the server is starting (for code that then leaves the request to the routes)."""
    return _current


async def started() -> Services:
    """The services, waiting for start-up to finish if it has not yet."""
    if _current is None:
        with contextlib.suppress(TimeoutError):  # then current() says 503
            await asyncio.wait_for(_ready_event().wait(), STARTUP_WAIT)
    return current()
