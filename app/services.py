"""The running process's services, made at start-up and handed to routes and pages."""

from dataclasses import dataclass

from app.accounts import Accounts
from app.db import Database
from app.exchange import Exchange
from app.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    exchange: Exchange
    accounts: Accounts


_current: Services | None = None


def install(services: Services | None) -> None:
    global _current
    _current = services


def current() -> Services:
    if _current is None:
        raise RuntimeError("the app's services are not started yet")
    return _current
