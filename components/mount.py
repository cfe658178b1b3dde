"""Mounts the UI on the app's FastAPI app: NiceGUI through `ui.run_with`, the pages and the UI's process-wide parts."""

from fastapi import FastAPI
from nicegui import Client, app, ui
from nicegui.storage import Storage

from app import services
from app.observability.pages import count_pages_with
from app.settings import Settings, storage_secret
from components import departures, events, live, memory, nicegui_internals


def mount(api: FastAPI, settings: Settings) -> None:
    """NiceGUI at "/" behind the app's own routes (so `/api` skips NiceGUI's page middlewares), with every page."""
    from components import pages  # noqa: F401  (registers the @ui.page routes)

    if settings.redis_url:
        # Sessions (app.storage.user) in Redis: a trader signed in through one instance is signed in on all of them.
        # NiceGUI reads these when it makes a user's storage, so they only need setting before the first request.
        Storage.redis_url = settings.redis_url
        Storage.redis_key_prefix = f"{settings.redis_prefix}nicegui:"
    app.config.socket_io_js_transports = list(settings.transports)
    nicegui_internals.install_fast_binary_check()
    api.add_middleware(nicegui_internals.LeanPageRequests)
    api.add_middleware(nicegui_internals.SocketsFirst)  # the outermost layer: a tab's socket skips all the others
    departures.install()
    live.install()
    memory.install(check_interval=settings.memory_check_interval, tab_storage_age=settings.tab_storage_age)
    services.when_started(events.connect)
    _count_pages()
    ui.run_with(
        api,
        title="Live Orderbook",
        favicon="📈",
        storage_secret=storage_secret(settings),
        reconnect_timeout=settings.reconnect_timeout,
        show_welcome_message=False,
    )


def _count_pages() -> None:
    """What only the UI can count, for the metrics (app/observability/pages.py)."""
    count_pages_with("pages", lambda: len(Client.instances))
    # list() copies the dict in one step: a scrape runs in a worker thread while pages come and go.
    count_pages_with(
        "connected_pages", lambda: sum(client.has_socket_connection for client in list(Client.instances.values()))
    )
    count_pages_with("subscriptions", lambda: len(events.market_changed.callbacks))
    count_pages_with("tab_storages", nicegui_internals.tab_storage_count)
