"""Shared fixtures: the app per module and backend, API clients and freshly registered traders.

The module's app runs in the test's own process (tests/in_process.py); a module whose tests cross the process boundary
(sockets, the process's memory) makes `server` its `server_process`, a real `python main.py` (tests/servers.py). A
module that only checks validation runs on SQLite alone with
`pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module")`.
"""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.store.db import Database, connect, create_schema
from tests.in_process import serving_in_process
from tests.servers import (
    CHEAP_PASSWORD_HASHES,
    TEST_SESSION,
    Served,
    ServerProcess,
    Trader,
    postgres_database,
    register_trader,
    serving,
    sqlite_url,
)

ServerFactory = Callable[[str], ServerProcess]
TraderFactory = Callable[..., Trader]
# The tests' servers: forked from a process that has imported the app (tests/preloaded_main.py), hashing passwords
# cheaply. A test of the costs' settings or of a fresh interpreter's start says so itself.
TEST_SESSION.preloaded = True
TEST_SESSION.environment.update(CHEAP_PASSWORD_HASHES)
# What every test in a folder needs (the marks are described in pyproject.toml): marked here rather than in each file.
FOLDER_MARKS = {"browser": ("browser", "process"), "cluster": ("cluster", "process", "postgres")}


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of the browser and cluster folders, and every test run on PostgreSQL, for what they need."""
    for item in items:
        for mark in FOLDER_MARKS.get(item.path.parent.name, ()):
            item.add_marker(mark)
        params = getattr(item, "callspec", None)
        if params is not None and "postgresql" in (params.params.get("backend"), params.params.get("engine")):
            item.add_marker("postgres")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database the server runs on."""
    return str(request.param)


@pytest.fixture(scope="module")
def new_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """Creates fresh, empty databases on demand; PostgreSQL ones are dropped after the module."""
    with contextlib.ExitStack() as created:

        def new() -> str:
            if backend == "sqlite":
                return sqlite_url(tmp_path_factory.mktemp("db") / "orderbook.db")
            return created.enter_context(postgres_database())

        yield new


@pytest.fixture(scope="module")
def database_url(new_database_url: Callable[[], str]) -> str:
    """A fresh database shared by the tests of one module."""
    return new_database_url()


@pytest.fixture
def database(new_database_url: Callable[[], str]) -> Iterator[Database]:
    """A fresh database at the newest schema for in-process tests (no server), on the module's backend."""
    database = connect(new_database_url())
    create_schema(database)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """More variables for the module's server (ORDERBOOK_...): a module that configures its server overrides this."""
    return {}


@pytest.fixture(scope="module")
def server(database_url: str, server_environment: dict[str, str]) -> Iterator[Served]:
    """The app shared by the tests of a module, in this process; the tests isolate themselves by fresh traders."""
    with serving_in_process(database_url, server_environment) as app:
        yield app


@pytest.fixture(scope="module")
def server_process(
    database_url: str,
    server_environment: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ServerProcess]:
    """One `python main.py` shared by the tests of a module, for what crosses processes."""
    log = tmp_path_factory.mktemp("log") / "server.log"
    # The modules marked `alone` measure the server's memory: a fresh interpreter's, not one that shares the fork
    # server's pages and holds what it imported besides the app.
    preloaded = request.node.get_closest_marker("alone") is None
    server = ServerProcess(database_url, log, environment=server_environment, preloaded=preloaded)
    with serving(server.start()) as process:
        yield process


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    """Starts servers on a given database URL; each is stopped, and its log checked, after the test."""
    started: list[ServerProcess] = []

    def start(url: str) -> ServerProcess:
        process = ServerProcess(url, tmp_path / f"server-{len(started)}.log")
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()
    for process in started:
        process.assert_clean_log()


@pytest.fixture
def api(server: Served) -> Iterator[httpx.Client]:
    """An anonymous client of the module's server; the test fails if the server logs an error meanwhile."""
    log_offset = server.log_size()
    with server.client() as client:
        yield client
    server.assert_clean_log(since=log_offset)


@pytest.fixture(scope="module")
def idle_traders(server: Served) -> Iterator[list[Trader]]:
    """Traders whose tests are over, with nothing resting: registering is slow (argon2), so they are reused."""
    idle: list[Trader] = []
    yield idle
    for registered in idle:
        registered.client.close()


@pytest.fixture
def trader(server: Served, api: httpx.Client, idle_traders: list[Trader]) -> Iterator[TraderFactory]:
    """Hands out traders: `username, api_key, client = trader()`; one with no orders at all: `trader(fresh=True)`.

    Whatever a test leaves resting is cancelled afterwards, so every test starts with empty books.
    """
    in_use: list[Trader] = []

    def hand_out(*, fresh: bool = False) -> Trader:
        chosen = idle_traders.pop(0) if idle_traders and not fresh else register_trader(server)
        in_use.append(chosen)
        return chosen

    yield hand_out
    for used in in_use:
        with contextlib.suppress(httpx.HTTPError):
            used.client.delete("/api/orders")
        idle_traders.append(used)
