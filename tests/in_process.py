"""The app in the test's own process, for API tests where no process boundary is what is tested.

The real `create_app(settings)` with the UI mounted, as main.py builds it, its lifespan run on an event loop of its own
thread, answering synchronous httpx clients through httpx's ASGI transport: the tests read exactly like the ones that
talk to a `python main.py` (tests/servers.py), without a process start or a socket per test module.
"""

import asyncio
import logging
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from nicegui.testing.general import nicegui_reset_globals

from app.accounts import throttle
from app.server import create_app
from app.settings import Settings, load_settings
from components.mount import mount
from tests.servers import ERROR_LINE, STARTING_BALANCES, TEST_SESSION

BASE_URL = "http://app.test"
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 20.0


class InProcessTransport(httpx.BaseTransport):
    """Hands each request of a synchronous client to the app's event loop, through `httpx.ASGITransport`."""

    def __init__(self, api: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self.asgi = httpx.ASGITransport(app=api)
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(self._send(request, body), self.loop)
        timeout = request.extensions.get("timeout", {}).get("read") or REQUEST_TIMEOUT  # the client's, as over a socket
        try:
            status, headers, content = future.result(timeout=timeout)
        except TimeoutError as late:
            future.cancel()
            raise httpx.ReadTimeout(f"no answer within {timeout} s", request=request) from late
        # The body as the app sent it (still encoded, if it was): the synchronous response decodes it as usual.
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content), request=request)

    async def _send(self, request: httpx.Request, body: bytes) -> tuple[int, httpx.Headers, bytes]:
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await self.asgi.handle_async_request(copy)
        try:
            content = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        return response.status_code, response.headers, content


class AppLog(logging.Handler):
    """What the process logs while the app runs (warnings and errors: the root logger's level), as a server's log."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class InProcessServer:
    """The app of one test module: what a `ServerProcess` offers its tests, served in this process."""

    database_url: str
    environment: dict[str, str] = field(default_factory=dict)  # more variables for this app (ORDERBOOK_...)
    base_url: str = BASE_URL
    settings: Settings | None = None
    logged: AppLog = field(default_factory=AppLog)
    _transport: InProcessTransport | None = None

    def client(self, headers: Mapping[str, str] | None = None) -> httpx.Client:
        """A client of the app, like `httpx.Client(base_url=...)` of a server process."""
        assert self._transport is not None, "the app is not running"
        return httpx.Client(base_url=self.base_url, transport=self._transport, headers=headers, timeout=REQUEST_TIMEOUT)

    def log(self) -> str:
        return "".join(f"{self.logged.format(record)}\n" for record in self.logged.records)

    def log_size(self) -> int:
        """How far the log is now, as an offset into `log()`."""
        return len(self.log())

    def error_lines(self, since: int = 0) -> list[str]:
        """Lines of the log from offset `since` on that show an ERROR record (or a traceback)."""
        return [line for line in self.log()[since:].splitlines() if ERROR_LINE.search(line)]

    def assert_clean_log(self, since: int = 0) -> None:
        if errors := self.error_lines(since):
            raise AssertionError(f"the app logged errors: {errors[:5]}")


@contextmanager
def serving_in_process(database_url: str, environment: Mapping[str, str] | None = None) -> Iterator[InProcessServer]:
    """The app on `database_url` for the block, configured as tests/servers.py configures a server process; the block
    fails if the app logged an error."""
    server = InProcessServer(database_url, dict(environment or {}))
    variables = {"STORAGE_SECRET": "test-storage-secret", "ORDERBOOK_STARTING_BALANCES": STARTING_BALANCES}
    variables.update(TEST_SESSION.environment)
    variables.update(server.environment, DATABASE_URL=database_url)
    server.settings = load_settings([], {name: value for name, value in variables.items() if value})
    # The failure counts live in the process: a fresh app starts with none, as a fresh server process would.
    throttle.STORAGE.memory = MovingWindowRateLimiter(MemoryStorage())
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="app under test", daemon=True)
    root = logging.getLogger()
    root.addHandler(server.logged)
    try:
        with nicegui_reset_globals():
            api = create_app(server.settings)
            mount(api, server.settings)
            thread.start()
            stop = asyncio.run_coroutine_threadsafe(_new_event(), loop).result()
            ready: Future[None] = Future()
            lifespan = asyncio.run_coroutine_threadsafe(_serve(api, ready, stop), loop)
            try:
                ready.result(timeout=START_TIMEOUT)
                server._transport = InProcessTransport(api, loop)
                yield server
            finally:
                loop.call_soon_threadsafe(stop.set)
                lifespan.result(timeout=START_TIMEOUT)
    finally:
        root.removeHandler(server.logged)
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=START_TIMEOUT)
        loop.close()
    server.assert_clean_log()


async def _new_event() -> asyncio.Event:
    return asyncio.Event()  # made on the app's loop, the one that waits on it


async def _serve(api: FastAPI, ready: "Future[None]", stop: asyncio.Event) -> None:
    """The app's lifespan, as uvicorn runs it: start-up, serving until `stop`, shut-down."""
    try:
        async with api.router.lifespan_context(api):
            ready.set_result(None)
            await stop.wait()
    except BaseException as error:
        if not ready.done():
            ready.set_exception(error)
        raise
