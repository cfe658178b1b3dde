"""Acknowledged, committed orders/s through `POST /api/orders`: several client processes, many requests in flight.

Run from the repo root: `.venv/bin/python -m bench.bench_rest [--postgres] [--seconds 10] [--runs 3] [--py-spy out]`;
`--code DIR` serves another checkout's main.py (e.g. the commit before a change) to the same clients.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import (
    MARKET,
    cpu_seconds,
    median,
    percentile,
    print_table,
    register_traders,
    running_server,
    wait_for_low_load,
)

MID_TICKS = 3_000_000  # 30,000.00 with a 0.01 tick


@dataclass
class ClientResult:
    """What one client process saw during the measured window."""

    ok: int
    errors: int
    latencies_ms: list[float]
    cpu_seconds: float


def order_stream(rng: random.Random) -> dict:
    """Limit buys and sells a few ticks around a drifting mid (some cross), and ~10% market orders."""
    side = rng.choice(("buy", "sell"))
    quantity = f"0.{rng.randint(1, 50):04d}"
    if rng.random() < 0.1:
        return {"symbol": MARKET, "side": side, "type": "market", "quantity": quantity}
    offset = int(rng.expovariate(0.2)) - 2  # negative: crosses the mid, so it may trade
    ticks = MID_TICKS + rng.randint(-20, 20) + (-offset if side == "buy" else offset)
    return {"symbol": MARKET, "side": side, "price": f"{ticks // 100}.{ticks % 100:02d}", "quantity": quantity}


class Connection:
    """A minimal HTTP/1.1 keep-alive client: httpx's pool costs more CPU than the server under high concurrency."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: str) -> int:
        return (await self.request("POST", path, body, headers))[0]

    async def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> tuple[int, bytes]:
        """One request on the kept-alive connection: (status, response body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n{headers}"
        self.writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def drive(
    base_url: str, keys: list[str], in_flight: int, start: float, seconds: float, seed: int
) -> ClientResult:
    """Keep `in_flight` requests going, one keep-alive connection each; count those finished inside the window."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    end = start + seconds
    url = httpx.URL(base_url)

    async def worker(index: int) -> None:
        nonlocal errors
        connection = Connection(url.host, url.port or 80)
        headers = f"Authorization: Bearer {keys[index % len(keys)]}\r\n"
        try:
            while (now := time.time()) < end:
                try:
                    body = json.dumps(order_stream(rng)).encode()
                    good = await connection.post("/api/orders", body, headers) in (200, 201)
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    good = False
                    await connection.close()
                    connection = Connection(url.host, url.port or 80)
                done = time.time()
                if start <= now and done <= end:
                    if good:
                        latencies.append((done - now) * 1000)
                    else:
                        errors += 1
        finally:
            await connection.close()

    cpu_before = time.process_time()
    await asyncio.gather(*(worker(i) for i in range(in_flight)))
    return ClientResult(len(latencies), errors, latencies, time.process_time() - cpu_before)


def client_process(args: tuple[str, list[str], int, float, float, int]) -> ClientResult:
    return asyncio.run(drive(*args))


def ready(_: int) -> int:
    return os.getpid()


def one_run(base_url: str, pid: int, keys: list[str], options: argparse.Namespace, run: int) -> dict:
    """One measured window: warm up for 1 s, then count for `options.seconds`."""
    jobs = [
        (base_url, keys[i :: options.processes], options.in_flight, 0.0, options.seconds, 1000 * run + i)
        for i in range(options.processes)
    ]
    spy = None
    with multiprocessing.get_context("spawn").Pool(options.processes) as pool:
        pool.map(ready, range(options.processes))  # the processes have started and imported everything
        start = time.time() + 1.0  # a second of warm-up (connections opened), then the window begins
        jobs = [(*job[:3], start, *job[4:]) for job in jobs]
        pending = pool.map_async(client_process, jobs)
        time.sleep(max(0.0, start - time.time()))
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        if options.py_spy and run == 0:
            spy = profile(pid, options.py_spy, options.seconds)
        time.sleep(options.seconds)
        server_cpu = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
        results: list[ClientResult] = pending.get(timeout=options.seconds + 60)
    if spy is not None:
        spy.wait(timeout=60)
    latencies = [latency for result in results for latency in result.latencies_ms]
    return {
        "orders_per_s": sum(r.ok for r in results) / options.seconds,
        "errors": sum(r.errors for r in results),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "server_cpu": server_cpu,
        "client_cpu": sum(r.cpu_seconds for r in results) / options.seconds,
        "cpu_ms_per_order": server_cpu * 1000 * options.seconds / max(1, sum(r.ok for r in results)),
    }


def profile(pid: int, output: str, seconds: float) -> subprocess.Popen:
    """Sample the server with py-spy (on the PATH or in the venv) during the window: collapsed stacks + an SVG."""
    # py-spy on the PATH (e.g. a venv of its own), else beside this Python.
    spy = shutil.which("py-spy") or Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200"]
    # --gil: only the thread holding the GIL: waits for the GIL (and SQLite's fsync) do not count as work.
    command += ["--format", "raw", "--output", f"{output}.txt", "--nonblocking", "--gil"]
    print(f"# py-spy writes {output}.txt (collapsed stacks; `--format flamegraph` for an SVG)", flush=True)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a temp database on 127.0.0.1:5432 instead of SQLite")
    parser.add_argument("--database-url", help="an existing (empty) database instead of a temp one")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--in-flight", type=int, default=48, help="requests in flight per client process")
    parser.add_argument("--traders", type=int, default=20)
    parser.add_argument("--py-spy", metavar="PREFIX", help="profile the server during the first run")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    parser.add_argument("--code", type=Path, default=None, help="run the server of another checkout (e.g. older)")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    name = "PostgreSQL" if options.postgres or (options.database_url or "").startswith("postgres") else "SQLite"
    with running_server(options.database_url, postgres=options.postgres, code=options.code) as server:
        assert server.process is not None
        keys = register_traders(server.base_url, options.traders)
        runs = [one_run(server.base_url, server.process.pid, keys, options, run) for run in range(options.runs)]
        errors = server.error_lines()
    columns = ["orders_per_s", "p50_ms", "p99_ms", "errors", "server_cpu", "client_cpu", "cpu_ms_per_order"]
    rows = [[f"run {i + 1}", *(r[column] for column in columns)] for i, r in enumerate(runs)]
    rows.append(["median", *(median([row[i] for row in rows]) for i in range(1, 8))])
    # CPU to the hundredth: a change to the request path moves the CPU per order by a few hundredths of a ms.
    rows = [[*row[:5], *(f"{value:.2f}" for value in row[5:])] for row in rows]
    clients = f"{options.processes} processes x {options.in_flight} in flight"
    name += f" (server from {options.code})" if options.code else ""
    print(f"\nPOST /api/orders on {name}, {options.traders} traders, {clients}, {options.seconds:.0f} s per run")
    print(f"(server/client CPU in cores; {os.cpu_count()} cores)")
    print_table(["run", "orders/s", "p50 ms", "p99 ms", "errors", "server CPU", "clients CPU", "server ms/order"], rows)
    print(f"target 4,000 orders/s: median is {rows[-1][1] / 4000:.2f}x the target")
    if errors:
        print(f"server logged {len(errors)} error lines, first: {errors[0]}")


if __name__ == "__main__":
    main()
