"""The FastAPI app that owns the process: its lifespan starts and stops the exchange, `/api` is served on it directly.

The UI (components/) mounts NiceGUI on this app with `ui.run_with`; routes declared here are matched before that
mount, so `/api` requests never pass through NiceGUI's page middlewares (session cookie, storage, gzip): the API
needs none of them, and they cost CPU on every request.
"""

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.routing import Match, Mount, Route
from starlette.types import Receive, Scope, Send

from app import demo, services
from app.accounts import throttle
from app.accounts.funding import check_credits
from app.accounts.ledger_feed import LedgerFollower
from app.accounts.service import Accounts
from app.api import api_router, hot_routes
from app.api.body_limit import DeclaredBodyLimit
from app.api.deps import database_error_handler, service_error_handler
from app.api.docs import add_offline_docs
from app.api.lean_dispatch import LeanRoutesFirst
from app.domain.rules import asset_places
from app.errors import ServiceError
from app.exchange.service import Exchange
from app.feed.market_data import MarketFeed
from app.observability import prometheus_router
from app.settings import Settings, hand_over
from app.store.db import connect, create_schema
from app.stream.asyncapi import asyncapi_route
from app.stream.endpoint import StreamFirst, stream_route

log = logging.getLogger("orderbook")

API_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# The top of /docs: what the API is, how to authenticate, and the way back to the trading page.
API_INTRODUCTION = """The REST API of a real-time orderbook: place, amend and cancel orders, read books, trades,
candles and balances. Money is exact: prices and quantities are decimal strings.

**Authenticate** with `Authorization: Bearer <api_key>`: the key is given once, on registration (`POST /api/traders`
or the [Register](/register) page). **Streaming**: one WebSocket at `/api/ws` for books, trades, tickers, candles
and your own orders, described by its AsyncAPI document, [/asyncapi.json](/asyncapi.json).
**[Back to the trading page](/)**."""
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# What `--reload` watches: the code of the app, its pages and its models (main.py only composes them).
RELOAD_FOLDERS = ("app", "components", "models")
RELOAD_FILES = ("*.py", "*.js", "*.css")


def create_app(settings: Settings) -> FastAPI:
    """The process's app: the REST API and the start-up and shut-down of the services the pages share."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        running = await start_services(settings)
        # What start-up made (modules, routes, books) lives as long as the process: moved out of the collector's
        # reach, a full collection, which pauses every request, no longer walks objects that never die
        # (docs/performance.md).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await stop_services(running)

    # /docs is served from installed assets, not a CDN (app/api/docs.py).
    api = FastAPI(
        title="Live Orderbook",
        description=API_INTRODUCTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    api.router.routes.extend(hot_routes)  # matched first, one pattern each: not through the included routers
    api.include_router(api_router)
    api.include_router(prometheus_router)
    add_offline_docs(api)
    api.add_exception_handler(ServiceError, service_error_handler)
    api.add_exception_handler(OperationalError, database_error_handler)
    # Inside the body limit: placing and cancelling one order are answered by their routes from there.
    api.add_middleware(LeanRoutesFirst, routes=hot_routes, owner=api)
    api.add_middleware(DeclaredBodyLimit)
    api.add_middleware(StreamFirst)  # outside the others: a long-lived socket holds no frame of theirs
    # The streaming API's socket and its AsyncAPI document (docs/streaming.md); a websocket passes the HTTP-only
    # middlewares and routes above untouched.
    api.router.routes.extend([stream_route, asyncapi_route])
    # Unknown /api paths answer in the API's JSON, instead of falling through to NiceGUI's 404 page.
    api.router.routes.append(Route("/api/{path:path}", ApiNotFound()))
    return api


class ApiNotFound:
    """404 for a path the API does not have; 405 with `Allow` for a known path asked with another method.

    An ASGI app rather than a function, so that its route matches every method (TRACE and made-up ones included).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        # The app's own routes (FastAPI may keep an included router as one route): not this one, not NiceGUI's mount.
        api_routes = [
            route
            for route in request.app.router.routes
            if not isinstance(route, Mount) and getattr(route, "app", None) is not self
        ]
        allowed = [
            method
            for method in API_METHODS
            if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in api_routes)
        ]
        if allowed:
            headers = {"Allow": ", ".join(allowed)}
            answer = JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers=headers)
        else:
            answer = JSONResponse({"detail": "Not Found"}, status_code=404)
        await answer(scope, receive, send)


async def start_services(settings: Settings) -> services.Services:
    """Database, schema, exchange and accounts; the books are loaded before the first request is served."""
    throttle.STORAGE.use_redis(settings.redis_url, settings.redis_prefix)
    database = await asyncio.to_thread(connect, settings.database_url, lock_timeout=settings.lock_timeout)
    await asyncio.to_thread(create_schema, database)
    exchange = Exchange(
        database, max_resting_per_trader=settings.max_resting_orders, journal_keep=settings.journal_keep
    )
    hasher = PasswordHasher(time_cost=settings.password_hash_time_cost, memory_cost=settings.password_hash_memory_kib)
    accounts = Accounts(database, starting_balances=settings.starting_balances, hasher=hasher)
    ledger = LedgerFollower(database)
    await ledger.start()
    await exchange.start(watch_interval=settings.poll_interval, funds=ledger)
    try:
        check_credits(settings.starting_balances, asset_places(exchange.markets))
    except SystemExit as refused:
        log.error("%s", refused)
        await exchange.stop()
        database.dispose()
        raise
    feed = MarketFeed(exchange.writers, database)
    running = services.Services(
        settings=settings, database=database, exchange=exchange, accounts=accounts, feed=feed, ledger=ledger
    )
    services.install(running)  # the UI's start-up hook subscribes its events to the exchange and the ledger here
    if settings.demo:
        simulator = demo.simulate(exchange, accounts, feed)
        running.tasks.append(asyncio.create_task(simulator, name="demo market simulator"))
        log.info("demo market simulator running")
    log.info("Live Orderbook serving %s on http://%s:%d", ", ".join(exchange.writers), settings.host, settings.port)
    return running


async def stop_services(running: services.Services) -> None:
    """Finish what the writers have queued, then close the database."""
    for task in running.tasks:
        task.cancel()
    await asyncio.gather(*running.tasks, return_exceptions=True)
    await running.exchange.stop()
    running.database.dispose()
    services.install(None)


def serve(api: FastAPI, settings: Settings) -> None:
    """Serve the app with uvicorn in this process (NiceGUI keeps a page's elements in the process that built it)."""
    log_to_stderr()
    uvicorn.run(api, **_uvicorn_options(settings))


def serve_reloading(factory: str, settings: Settings) -> None:
    """Serve the app that `factory` ("module:function") builds, again after each change of the code (`--reload`).

    This process only watches app/, components/ and models/ (Python, and the components' .js and .css) and holds the
    listening socket; the app runs in a server process of its own, which uvicorn stops and starts anew on a change. The
    settings read and checked here reach each server process in its environment (app/settings.py, `handed_over`).
    """
    log_to_stderr()
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # uvicorn names the changed files itself
    os.environ.update(hand_over(settings))
    uvicorn.run(
        factory,
        factory=True,
        reload=True,
        reload_dirs=[str(PROJECT_ROOT / folder) for folder in RELOAD_FOLDERS],
        reload_includes=list(RELOAD_FILES),
        **_uvicorn_options(settings),
    )


def log_to_stderr() -> None:
    """The app's log records (INFO and up) on standard error, in every process that serves it."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    # websockets' Sans-IO protocol, not NiceGUI's pure-Python wsproto: it unmasks the browsers' frames in C, where
    # wsproto's frame parsing and sending take a large share of the event loop's time once many tabs are open.
    # Protocol pings on every websocket (the stream's, NiceGUI's): one unanswered for as long closes the socket.
    ping = settings.ws_ping_interval
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "ws": "websockets-sansio",
        "ws_ping_interval": ping,
        "ws_ping_timeout": ping,
    }
