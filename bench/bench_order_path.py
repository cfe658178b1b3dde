"""CPU per request of the app's HTTP layer when placing or cancelling one order: in-process, the exchange stubbed.

What the middlewares, FastAPI's routing and the order routes' own request handling cost, without the order's work
(the exchange and the key lookup answer at once): a change to the request path shows in microseconds here, where
`bench_rest` would need many runs to see it. Each checkout's app (`--code`, default this one; give it several times to
compare) is imported in a process of its own, round after round, so that the checkouts alternate.

Run from the repo root: `.venv/bin/python -m bench.bench_order_path [--code DIR ...] [--requests 20000] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
BODY = json.dumps({"symbol": "BTC-USD", "side": "buy", "price": "30000.00", "quantity": "0.0100"}).encode()
KEY = "lob_bench"
REQUESTS = {
    "POST /api/orders": ("POST", "/api/orders", BODY, 201),
    "DELETE /api/orders/{id}": ("DELETE", "/api/orders/12345", b"", 200),
}


def measure(requests: int) -> dict[str, float]:
    """In the child: the app of the checkout in the working directory, µs of CPU per request of each kind."""
    sys.path.insert(0, os.getcwd())
    from app import services
    from app.accounts.service import Caller
    from app.server import create_app
    from app.settings import Settings
    from components.mount import mount
    from models import OrderPublic

    now = datetime(2026, 12, 7, tzinfo=UTC)
    order = OrderPublic(
        id=1,
        client_order_id=None,
        symbol="BTC-USD",
        side="buy",
        type="limit",
        price="30000.00",
        quantity="0.0100",
        filled_quantity="0.0000",
        remaining_quantity="0.0100",
        average_price=None,
        status="open",
        time_in_force="GTC",
        post_only=False,
        created_at=now,
        updated_at=now,
        trades=[],
    )

    class Exchange:
        async def place_order(self, *, trader_id: int, order_in: Any) -> tuple[OrderPublic, bool]:
            return order, True

        async def cancel_order(self, *, trader_id: int, order_id: int) -> OrderPublic:
            return order

    class Accounts:
        async def by_api_key(self, api_key: str) -> Caller | None:
            return Caller(id=7, username="bench") if api_key == KEY else None

    settings = Settings(database_url="sqlite:///unused.db")
    api = create_app(settings)
    mount(api, settings)  # the UI's middlewares and mount too, as in `python main.py`
    services.install(services.Services(settings=settings, database=None, exchange=Exchange(), accounts=Accounts()))

    async def one(method: str, path: str, body: bytes) -> int:
        headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
        headers += [(b"authorization", f"Bearer {KEY}".encode()), (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "http", "state": {}}
        scope |= {"method": method, "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": ""}
        scope |= {"headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await api(scope, receive, send)
        return int(sent[0]["status"])

    async def run() -> dict[str, float]:
        costs = {}
        for name, (method, path, body, status) in REQUESTS.items():
            for _ in range(requests // 10):  # warm-up
                assert await one(method, path, body) == status, name
            start = time.process_time()
            for _ in range(requests):
                await one(method, path, body)
            costs[name] = (time.process_time() - start) / requests * 1e6
        return costs

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, action="append", help="a checkout to measure (repeat to compare)")
    parser.add_argument("--requests", type=int, default=20_000, help="requests of each kind per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(measure(options.requests)))
        return
    codes = options.code or [REPO_ROOT]
    seen: dict[Path, list[dict[str, float]]] = {code: [] for code in codes}
    print(f"# load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    for _ in range(options.rounds):
        for code in codes:
            command = [sys.executable, str(Path(__file__).resolve()), "--child", "--requests", str(options.requests)]
            answer = subprocess.run(command, cwd=code, capture_output=True, text=True, check=True)
            seen[code].append(json.loads(answer.stdout.strip().splitlines()[-1]))
    print(f"\nµs of CPU per request through the whole app, in-process, exchange stubbed; {options.requests:,} a round")
    print("| checkout | " + " | ".join(f"{name} (rounds; median)" for name in REQUESTS) + " |")
    print("|---|" + "---|" * len(REQUESTS))
    for code, rounds in seen.items():
        commit = subprocess.run(["git", "-C", str(code), "log", "-1", "--format=%h"], capture_output=True, text=True)
        cells = []
        for name in REQUESTS:
            values = [round(costs[name], 1) for costs in rounds]
            cells.append(f"{', '.join(str(v) for v in values)}; **{statistics.median(values):.1f}**")
        print(f"| {code} ({commit.stdout.strip()}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
