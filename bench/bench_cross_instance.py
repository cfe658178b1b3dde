"""Cross-instance latency: from an order's API response on instance A to its row in a page on instance B.

Run from the repo root: `.venv/bin/python -m bench.bench_cross_instance [--orders 200] [--postgres | --sqlite]`.
Two `python main.py` processes on one fresh database, with their default settings (1 s safety poll); a simulated tab
(bench/common.py) on B's `/market/BTC-USD`. Each order, placed through A's REST API, is a new best ask at a price no
other order used, `--gap` s apart; the latency is from A's response returning to the first `update` message on B's
tab that carries the price. Before the journal, B learned of A's orders by polling every 100 ms, then reloaded its
whole book: `--code DIR` runs the servers of another checkout (`git archive d1d9e78 | tar -x -C DIR`) to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_fanout import shown, test_prices
from bench.common import (
    MARKET,
    connect_tabs,
    median,
    percentile,
    print_table,
    register_traders,
    seed_book,
    wait_for_low_load,
    wait_for_markets,
)
from tests.servers import REPO_ROOT, ServerProcess, postgres_database, sqlite_url

TIMEOUT = 10.0  # s B's tab may take to show an order before it counts as missed


async def measure(a: ServerProcess, b: ServerProcess, orders: int, gap: float) -> tuple[list[float], int]:
    (key,) = register_traders(a.base_url, 1)
    seed_book(a.base_url, key)
    (tab,) = await connect_tabs(b.base_url, 1)
    delays: list[float] = []
    missed = 0
    try:
        await asyncio.sleep(2)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=a.base_url, headers=headers, timeout=30) as http:
            for index, price in enumerate(test_prices(orders)):
                mark = len(tab.updates)
                body = {"symbol": MARKET, "side": "sell", "price": price, "quantity": "0.0100"}
                (await http.post("/api/orders", json=body)).raise_for_status()
                answered = time.time() * 1000
                seen: dict[str, float] = {}
                deadline = time.monotonic() + TIMEOUT
                while time.monotonic() < deadline and not shown(tab, mark, price, seen):
                    await asyncio.sleep(0.002)
                if price in seen:
                    delays.append(seen[price] - answered)
                else:
                    missed += 1
                if index % 20 == 19:
                    await tab.ack()
                await asyncio.sleep(gap)
    finally:
        await tab.disconnect()
    return delays, missed


def run(postgres: bool, orders: int, gap: float, code: Path) -> list[object]:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        url = stack.enter_context(postgres_database()) if postgres else sqlite_url(folder / "bench.db")
        a = ServerProcess(url, folder / "a.log", cwd=code).start()
        stack.callback(a.stop)
        b = ServerProcess(url, folder / "b.log", cwd=code).start()
        stack.callback(b.stop)
        for server in (a, b):
            wait_for_markets(server.base_url)
        delays, missed = asyncio.run(measure(a, b, orders, gap))
    name = "PostgreSQL" if postgres else "SQLite"
    return [name, orders, len(delays), missed, median(delays), percentile(delays, 0.99), max(delays, default=0.0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders placed on A")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between orders")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--code", type=Path, default=REPO_ROOT, help="run the servers of this checkout (e.g. older)")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to S s for the load to drop under 1")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    backends = [True] if options.postgres else [False] if options.sqlite else [False, True]
    rows = [run(postgres, options.orders, options.gap, options.code) for postgres in backends]
    print_table(["database", "orders", "seen on B", "missed", "p50 ms", "p99 ms", "max ms"], rows)


if __name__ == "__main__":
    main()
