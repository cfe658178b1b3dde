"""Orders acknowledged/s over one WebSocket, pipelined, against `POST /api/orders` at its best concurrency, one server.

Run from the repo root: `.venv/bin/python -m bench.bench_stream_orders [--postgres] [--seconds 10] [--runs 3]
[--window 256] [--py-spy out]`. Each run measures REST (bench/bench_rest.py's clients: 2 processes x 48 in flight)
then the stream (one client process, one socket, `--window` orders in flight) on the same server, so that both meet
the same book and database; the table gives each run and the medians, and the ratio stream/REST.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import tempfile
import time
from pathlib import Path

import websockets

from bench.bench_rest import ClientResult, one_run, order_stream, profile
from bench.common import (
    cpu_seconds,
    median,
    percentile,
    print_table,
    register_traders,
    wait_for_low_load,
    wait_for_markets,
)
from tests.servers import ServerProcess, postgres_database, sqlite_url

# The stream's frame budget is a per-client guard (1,000 a second by default): the bench measures what the server can
# do, so its one client may send as fast as it is answered. One trader places every stream order, and its resting
# orders would reach the per-market cap within seconds (REST spreads them over 20 traders): no cap for either.
UNLIMITED = {
    "ORDERBOOK_STREAM_FRAME_RATE": "1000000",
    "ORDERBOOK_STREAM_FRAME_BURST": "1000000",
    "ORDERBOOK_MAX_RESTING_ORDERS": "1000000",
}


async def pipeline(url: str, key: str, window: int, start: float, seconds: float, seed: int) -> ClientResult:
    """Keep `window` orders in flight on one socket; count those answered inside the measured window."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    sent_at: dict[int, float] = {}
    end = start + seconds
    cpu_before = time.process_time()
    async with websockets.connect(url, max_size=None) as socket:
        await socket.send(json.dumps({"op": "auth", "id": 0, "key": key}))
        assert json.loads(await socket.recv())["status"] == 200
        next_id = 1

        async def send_one() -> None:
            nonlocal next_id
            sent_at[next_id] = time.time()
            await socket.send(json.dumps({"op": "place", "id": next_id, "order": order_stream(rng)}))
            next_id += 1

        for _ in range(window):
            await send_one()
        async for text in socket:
            answer = json.loads(text)
            sent = sent_at.pop(answer.get("id"), None)
            if sent is None:
                continue
            done = time.time()
            if start <= sent and done <= end:
                if answer.get("status") in (200, 201):
                    latencies.append((done - sent) * 1000)
                else:
                    errors += 1
            if done >= end:
                if not sent_at:
                    break
                continue
            await send_one()
    return ClientResult(len(latencies), errors, latencies, time.process_time() - cpu_before)


def stream_client(args: tuple[str, str, int, float, float, int]) -> ClientResult:
    return asyncio.run(pipeline(*args))


def stream_run(server: ServerProcess, key: str, options: argparse.Namespace, run: int) -> dict:
    """One measured window of the stream: a second of warm-up, then `options.seconds`."""
    assert server.process is not None
    url = server.base_url.replace("http://", "ws://") + "/api/ws"
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pool.apply(os.getpid)
        start = time.time() + 1.0
        pending = pool.apply_async(stream_client, ((url, key, options.window, start, options.seconds, 7000 + run),))
        time.sleep(max(0.0, start - time.time()))
        cpu_before, wall_before = cpu_seconds(server.process.pid), time.monotonic()
        spy = (
            profile(server.process.pid, f"{options.py_spy}-stream", options.seconds)
            if options.py_spy and not run
            else None
        )
        time.sleep(options.seconds)
        server_cpu = (cpu_seconds(server.process.pid) - cpu_before) / (time.monotonic() - wall_before)
        result: ClientResult = pending.get(timeout=options.seconds + 60)
    if spy is not None:
        spy.wait(timeout=60)
    return {
        "orders_per_s": result.ok / options.seconds,
        "errors": result.errors,
        "p50_ms": percentile(result.latencies_ms, 0.5),
        "p99_ms": percentile(result.latencies_ms, 0.99),
        "server_cpu": server_cpu,
        "cpu_ms_per_order": server_cpu * 1000 * options.seconds / max(1, result.ok),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a temp database on 127.0.0.1:5432 instead of SQLite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=256, help="orders in flight on the socket")
    parser.add_argument("--processes", type=int, default=2, help="REST client processes")
    parser.add_argument("--in-flight", type=int, default=48, help="REST requests in flight per client process")
    parser.add_argument("--traders", type=int, default=20)
    parser.add_argument("--py-spy", metavar="PREFIX", help="profile the server during the first run of each")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        if options.postgres:
            with postgres_database() as url:
                rows = measure(url, Path(folder), options)
        else:
            rows = measure(sqlite_url(Path(folder) / "bench.db"), Path(folder), options)
    name = "PostgreSQL" if options.postgres else "SQLite"
    rest = f"REST {options.processes} x {options.in_flight} in flight, {options.traders} traders"
    print(f"\nOrder entry on {name}: {rest};")
    print(f"stream: 1 socket, {options.window} in flight; {options.seconds:.0f} s per run, {os.cpu_count()} cores")
    print_table(["run", "path", "orders/s", "p50 ms", "p99 ms", "errors", "server CPU", "server ms/order"], rows)


def measure(url: str, folder: Path, options: argparse.Namespace) -> list[list]:
    server = ServerProcess(url, folder / "server.log", environment=dict(UNLIMITED)).start()
    try:
        wait_for_markets(server.base_url)
        assert server.process is not None
        keys = register_traders(server.base_url, options.traders)
        rest, stream = [], []
        for run in range(options.runs):
            rest.append(one_run(server.base_url, server.process.pid, keys, options, run))
            stream.append(stream_run(server, keys[0], options, run))
    finally:
        server.stop()
    columns = ["orders_per_s", "p50_ms", "p99_ms", "errors", "server_cpu", "cpu_ms_per_order"]
    rows: list[list] = []
    for path, runs in (("REST", rest), ("stream", stream)):
        rows += [[f"run {i + 1}", path, *(run[column] for column in columns)] for i, run in enumerate(runs)]
        rows.append(["median", path, *(median([run[column] for run in runs]) for column in columns)])
    ratio = rows[-1][2] / max(1e-9, rows[len(rest)][2])
    rows.append(["ratio", "stream/REST", f"{ratio:.2f}x", "", "", "", "", ""])
    return [[*row[:6], *(f"{value:.2f}" if isinstance(value, float) else value for value in row[6:])] for row in rows]


if __name__ == "__main__":
    main()
