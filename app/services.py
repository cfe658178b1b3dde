"""The running process's services, made at start-up and handed to routes and pages."""

import asyncio
import contextlib
from dataclasses import dataclass, field

from app.accounts.service import Accounts
from app.errors import Unavailable
from app.exchange.service import Exchange
from app.settings import Settings
from app.store.db import Database

STARTUP_WAIT = 30.0


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    exchange: Exchange
    accounts: Accounts
    tasks: list[asyncio.Task] = field(default_factory=list)  # background work that ends with the process


_current: Services | None = None
_ready: asyncio.Event | None = None


def _ready_event() -> asyncio.Event:
    global _ready
    if _ready is None:
        _ready = asyncio.Event()
    return _ready


def install(services: Services | None) -> None:
    """Set (or, on shut-down, clear) the process's services."""
    global _current, _ready
    _current = services
    if services is not None:
        _ready_event().set()
    else:
        _ready = None


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
