"""Mounts the UI on the app's FastAPI app: NiceGUI through `ui.run_with`, the pages and the UI's process-wide parts."""

from fastapi import FastAPI
from nicegui import app, ui
from nicegui.storage import Storage

from app.api.routes import metrics
from app.settings import Settings, storage_secret
from components import departures, live, memory, nicegui_internals


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
    metrics.page_counters["tab_storages"] = nicegui_internals.tab_storage_count
    ui.run_with(
        api,
        title="Live Orderbook",
        favicon="📈",
        storage_secret=storage_secret(settings),
        reconnect_timeout=settings.reconnect_timeout,
        show_welcome_message=False,
    )
