"""Wiring: settings -> database -> exchange -> API routes and pages, served by NiceGUI's uvicorn."""

import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from nicegui import app, background_tasks, ui

from app import api_fast_path, demo, services
from app.accounts.service import Accounts
from app.api import api_router
from app.api.deps import method_not_allowed_handler, service_error_handler
from app.api.docs import add_offline_docs
from app.errors import ServiceError
from app.exchange.service import Exchange
from app.settings import Settings, load_settings, storage_secret
from app.store.db import connect, create_schema
from components import departures, live, memory, socket_packets

log = logging.getLogger("orderbook")


def build(settings: Settings) -> None:
    """Register routes, pages and the start-up/shut-down hooks on NiceGUI's app."""
    app.include_router(api_router)
    add_offline_docs(app)
    app.add_exception_handler(ServiceError, service_error_handler)
    app.add_exception_handler(405, method_not_allowed_handler)
    app.config.socket_io_js_transports = list(settings.transports)
    socket_packets.install()
    departures.install()

    async def start() -> None:
        database = await asyncio.to_thread(connect, settings.database_url)
        await asyncio.to_thread(create_schema, database)
        exchange = Exchange(database, max_resting_per_trader=settings.max_resting_orders)
        accounts = Accounts(database)
        await exchange.start()
        services.install(services.Services(settings=settings, database=database, exchange=exchange, accounts=accounts))
        live.connect(exchange)
        memory.install()
        if settings.demo:
            background_tasks.create(demo.simulate(exchange, accounts), name="demo market simulator")
            log.info("demo market simulator running")
        log.info("Live Orderbook serving %s on http://%s:%d", ", ".join(exchange.writers), settings.host, settings.port)

    async def stop() -> None:
        try:
            running = services.current()
        except ServiceError:
            return
        await running.exchange.stop()
        running.database.dispose()
        services.install(None)

    # Synchronous, so it runs before the first request: NiceGUI has added all its middlewares by then.
    app.on_startup(lambda: api_fast_path.install(app))
    app.on_startup(start)
    app.on_shutdown(stop)

    from components import pages  # noqa: F401  (registers the @ui.page routes)


def run(argv: Sequence[str] | None = None) -> None:
    """Start the app: `python main.py --help` lists the settings."""
    if argv is None:
        # Under NiceGUI's pytest plugin sys.argv holds pytest's own flags, not ours.
        argv = [] if "PYTEST_CURRENT_TEST" in os.environ else sys.argv[1:]
    settings = load_settings(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    build(settings)
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Live Orderbook",
        favicon="📈",
        storage_secret=storage_secret(settings),
        reconnect_timeout=settings.reconnect_timeout,
        show=False,
        reload=False,
        show_welcome_message=False,
    )
