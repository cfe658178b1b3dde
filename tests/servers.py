"""Real `python main.py` processes for black-box tests: free ports, fresh databases, start, stop, log checks."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, NamedTuple, Protocol

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

from tests.preloaded_main import PreloadedProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0
# A traceback, or a log record at ERROR level ("ERROR:    Exception in ASGI application", "... ERROR ...").
# Headless Chromium as the tests and benchmarks run it: no network here, and several windows at once, none of them
# throttled as a background tab would be.
CHROME_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)
# Every trader a test or benchmark server registers starts with this much (ORDERBOOK_STARTING_BALANCES): enough for
# any order the markets accept, so tests about other things never run out of money. Tests of funds set their own.
STARTING_BALANCES = "BTC=1000000,ETH=1000000,USD=1000000000000"
STARTING_CREDITS = tuple(
    (asset, Decimal(amount)) for asset, amount in (part.split("=") for part in STARTING_BALANCES.split(","))
)
ERROR_LINE = re.compile(r"Traceback|(^|\s)ERROR\b")
# argon2 at a low cost for the tests' servers, which register hundreds of traders (the app's default costs ~0.2 s of
# CPU a password); tests/conftest.py sets them for the test session only.
CHEAP_PASSWORD_HASHES = {"ORDERBOOK_PASSWORD_HASH_TIME_COST": "1", "ORDERBOOK_PASSWORD_HASH_MEMORY_KIB": "1024"}


@dataclass
class SessionDefaults:
    """How the test session starts servers, set by tests/conftest.py. The benchmarks (bench/) compare servers with older
    checkouts' ones: theirs start as a fresh `python main.py` and hash passwords at the app's own cost."""

    preloaded: bool = False  # servers of this checkout forked from a process that has imported the app
    environment: dict[str, str] = field(default_factory=dict)  # variables every server starts with unless told


TEST_SESSION = SessionDefaults()


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_url(path: Path) -> str:
    """The DATABASE_URL of a SQLite file."""
    return f"sqlite:///{path.resolve()}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the duration of the block; dropped afterwards."""
    name = f"orderbook_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(POSTGRES_ADMIN_URL)
    user, password = info.get("user", "postgres"), info.get("password")
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    credentials = f"{user}:{password}" if password else str(user)
    try:
        yield f"postgresql+psycopg://{credentials}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class ServerProcess:
    """One running `python main.py`, its URL and its log file."""

    database_url: str
    log_path: Path
    port: int = field(default_factory=free_port)
    cwd: Path = REPO_ROOT  # another checkout's main.py (e.g. an older commit's) runs from its own folder
    environment: dict[str, str] = field(default_factory=dict)  # more variables for this process (ORDERBOOK_...)
    # Forked from a process that has imported the app (tests/preloaded_main.py) rather than a fresh interpreter: the
    # same main.py run, without importing the app again. Another checkout's code always starts afresh.
    preloaded: bool = field(default_factory=lambda: TEST_SESSION.preloaded)
    process: subprocess.Popen[bytes] | PreloadedProcess | None = None
    _log_file: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, headers: Mapping[str, str] | None = None) -> httpx.Client:
        """A client of this server."""
        return Address(self.base_url).client(headers)

    def start(self) -> "ServerProcess":
        """Start the process and wait until `/api/health` answers."""
        self.launch()
        try:
            self.wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def process_environment(self) -> dict[str, str]:
        """The variables the process starts with."""
        # PYTEST_CURRENT_TEST goes for the older checkouts this may run (tests/legacy.py): their main.py read its flags
        # only without it. HOST and PORT go so that the flags below are all the server is told.
        env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_CURRENT_TEST", "HOST", "PORT"}}
        env.update(DATABASE_URL=self.database_url, STORAGE_SECRET="test-storage-secret", PYTHONUNBUFFERED="1")
        env.setdefault("ORDERBOOK_STARTING_BALANCES", STARTING_BALANCES)
        env.update({name: value for name, value in TEST_SESSION.environment.items() if name not in env})
        env.update(self.environment)
        return env

    def arguments(self) -> list[str]:
        """main.py's command-line flags."""
        return ["--host", "127.0.0.1", "--port", str(self.port), "--database-url", self.database_url]

    def launch(self) -> None:
        """Start the process without waiting (start several, then wait for each)."""
        env, arguments = self.process_environment(), self.arguments()
        if self.preloaded and self.cwd == REPO_ROOT:
            self.process = PreloadedProcess(arguments, env, self.cwd, self.log_path)
            return
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "main.py", *arguments],
            cwd=self.cwd,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode} on start:\n{self.log()}")
            try:
                response = httpx.get(f"{self.base_url}/api/health", timeout=1.0)
                if response.status_code == 200 and response.json() == {"status": "ok"}:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT} s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM and wait for a clean shutdown; kill it when it hangs."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def error_lines(self, since: int = 0) -> list[str]:
        """Log lines from byte offset `since` on that show a traceback or an ERROR record."""
        if not self.log_path.exists():
            return []
        with self.log_path.open("rb") as file:
            file.seek(since)
            text = file.read().decode(errors="replace")
        return [line for line in text.splitlines() if ERROR_LINE.search(line)]

    def assert_clean_log(self, since: int = 0) -> None:
        """Fail, showing the log, when the server logged an error."""
        if errors := self.error_lines(since):
            raise AssertionError(f"server {self.base_url} logged errors: {errors[:5]}\n--- log ---\n{self.log()}")


class Trader(NamedTuple):
    """A registered trader and a client that sends its API key."""

    username: str
    api_key: str
    client: httpx.Client


def unique_username(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class Served(Protocol):
    """A running app that tests talk to: a `ServerProcess`, or the app in the test's process (tests/in_process.py)."""

    base_url: str

    def client(self, headers: Mapping[str, str] | None = None) -> httpx.Client: ...

    def log_size(self) -> int: ...

    def assert_clean_log(self, since: int = 0) -> None: ...


@dataclass(frozen=True)
class Address:
    """A server known by its URL only (a proxy in front of servers, say)."""

    base_url: str

    def client(self, headers: Mapping[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=20)


def register_trader(server: Served | str, username: str | None = None) -> Trader:
    """Register a new trader through the API of a served app, or of the server at a URL."""
    served = Address(server) if isinstance(server, str) else server
    username = username or unique_username()
    with served.client() as anonymous:
        response = anonymous.post("/api/traders", json={"username": username, "password": "correct-horse-battery"})
    assert response.status_code == 201, response.text
    api_key = response.json()["api_key"]
    return Trader(username, api_key, served.client({"Authorization": f"Bearer {api_key}"}))


@contextmanager
def serving(process: ServerProcess) -> Iterator[ServerProcess]:
    """A started server for the `with` block; stopped afterwards, and the test fails if it logged an error."""
    try:
        yield process
    finally:
        process.stop()
    process.assert_clean_log()


@contextmanager
def serving_pair(
    database_url: str, logs: Path, environment: dict[str, str] | None = None
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two servers on one database for the block (logs server-a.log, server-b.log): both stopped, then both checked."""
    a, b = (
        ServerProcess(database_url, logs / f"server-{name}.log", environment=dict(environment or {})) for name in "ab"
    )
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        for server in (a, b):
            server.stop()
    for server in (a, b):
        server.assert_clean_log()


def metric(server: "ServerProcess", name: str, **labels: str) -> float:
    """A sample's value on a server's `/metrics` (0 when it has none yet), read as Prometheus reads it."""
    text = httpx.get(f"{server.base_url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0
