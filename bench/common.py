"""Shared benchmark helpers: a real server on a temp database, traders, /proc readings, simulated tabs, tables."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import socketio

from tests.servers import CHROME_ARGUMENTS, REPO_ROOT, ServerProcess, postgres_database, sqlite_url

MARKET = "BTC-USD"
PASSWORD = "correct-horse-battery"


@contextlib.contextmanager
def running_server(
    database_url: str | None = None, *, postgres: bool = False, code: Path | None = None
) -> Iterator[ServerProcess]:
    """A real `python main.py` on a free port and a fresh database (temp SQLite file, or a temp PostgreSQL db);
    `code`: another checkout's main.py (e.g. an older commit's, for the figures before)."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        if database_url is None:
            database_url = stack.enter_context(postgres_database()) if postgres else sqlite_url(folder / "bench.db")
        server = ServerProcess(database_url, folder / "server.log", cwd=code or REPO_ROOT).start()
        stack.callback(server.stop)
        wait_for_markets(server.base_url)
        yield server


def wait_for_markets(base_url: str, timeout: float = 30.0) -> None:
    """/api/health can answer before the exchange has started: wait until the markets are served."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/api/markets/{MARKET}/book", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{base_url}: markets not served after {timeout} s")


def register_traders(base_url: str, count: int) -> list[str]:
    """Register `count` fresh traders; their API keys."""
    keys = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(count):
            body = {"username": f"b_{uuid.uuid4().hex[:12]}", "password": PASSWORD}
            response = client.post("/api/traders", json=body)
            response.raise_for_status()
            keys.append(response.json()["api_key"])
    return keys


def place(client: httpx.Client, api_key: str, **order: Any) -> dict:
    """Place one order (synchronously); the response body."""
    body = {"symbol": MARKET, "type": "limit", **{k: str(v) for k, v in order.items()}}
    response = client.post("/api/orders", json=body, headers={"Authorization": f"Bearer {api_key}"})
    response.raise_for_status()
    return response.json()


def seed_book(base_url: str, api_key: str, *, mid: float = 30_000.0, levels: int = 20) -> None:
    """Resting bids below and asks above `mid`, so that pages show full ladders."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for level in range(1, levels + 1):
            place(client, api_key, side="buy", price=f"{mid - 500 - level:.2f}", quantity="0.0100")
            place(client, api_key, side="sell", price=f"{mid + 500 + level:.2f}", quantity="0.0100")


# --- /proc readings (psutil is not a dependency) ------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident set size in KiB (VmRSS)."""
    match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def load_text() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def wait_for_low_load(limit: float = 1.0, timeout: float = 0.0) -> None:
    """Wait (up to `timeout` s) for the 1-minute load average to drop under `limit`; print what it is."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)
    print(f"# {load_text()} on {os.cpu_count()} cores", flush=True)


# --- statistics and output -----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Markdown table, ready to paste into bench/README.md."""
    cells = [[str(h) for h in headers]] + [[f"{c:,.1f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(lines), flush=True)


# --- simulated tabs: what NiceGUI's browser code does (templates/index.html, static/nicegui.js), without a browser ---

QUERY = re.compile(r"^\s*query: (\{.*\}),\s*$", re.MULTILINE)


@dataclass
class SimulatedTab:
    """One socket.io client that the server counts as a connected tab; records every `update` it receives."""

    base_url: str
    path: str = f"/market/{MARKET}"
    updates: list[tuple[float, int, str]] = field(default_factory=list)  # (wall time, bytes, payload text)
    sio: socketio.AsyncClient = field(default_factory=lambda: socketio.AsyncClient(reconnection=False))
    query: dict[str, Any] = field(default_factory=dict)
    next_message_id: int = 0

    async def connect(self, http: httpx.AsyncClient) -> None:
        page = await http.get(self.base_url + self.path, headers={"Accept": "text/html"})
        page.raise_for_status()
        match = QUERY.search(page.text)
        assert match is not None, "createApp(... query ...) not found in the page"
        self.query = ast.literal_eval(match.group(1))
        tab = {"document_id": str(uuid.uuid4()), "tab_id": str(uuid.uuid4())}
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in {**self.query, **tab}.items()}

        def on_message(data: dict) -> None:
            received = time.time()
            text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            self.updates.append((received, len(text.encode()), text))
            self.next_message_id = int(data.get("_id", self.next_message_id - 1)) + 1

        # `update` carries elements; `run_javascript` the book's and the tape's deltas (components/ladder.py).
        self.sio.on("update", on_message, namespace="/")
        self.sio.on("run_javascript", on_message, namespace="/")

        url = f"{self.base_url}/?{httpx.QueryParams(query)}"
        await self.sio.connect(url, socketio_path="/_nicegui_ws/socket.io", transports=["websocket"], wait_timeout=30)

    async def ack(self) -> None:
        """What a browser sends every ~3 s so the server can trim its resend history."""
        if self.sio.connected:
            message = {"client_id": self.query["client_id"], "next_message_id": self.next_message_id}
            await self.sio.emit("ack", message)

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


async def connect_tabs(base_url: str, count: int, concurrency: int = 8) -> list[SimulatedTab]:
    """Open `count` simulated tabs, a few at a time."""
    tabs = [SimulatedTab(base_url) for _ in range(count)]
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(tab: SimulatedTab) -> None:
            async with limit:
                await tab.connect(http)

        await asyncio.gather(*(one(tab) for tab in tabs))
    return tabs


def wait_until(condition: Callable[[], Any], timeout: float = 60.0) -> None:
    """Poll `condition` every 0.1 s until it is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("a tab did not get ready")
        time.sleep(0.1)


def new_chrome() -> Any:
    """A headless Chromium driven by Debian's chromedriver (no network: SE_OFFLINE)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for option in CHROME_ARGUMENTS:
        options.add_argument(option)
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
