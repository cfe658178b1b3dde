"""Book fan-out over the streaming API: 1,000 subscribers of one market's book on one instance during an order flow.

Run from the repo root: `.venv/bin/python -m bench.bench_stream_fanout [--subscribers 1000] [--processes 4]`.
On a fresh server (SQLite): the order rate a flow of place-and-cancel holds with no subscriber; then the subscribers
connect (each subscribes to the book at depth 10) and the server's RSS per subscriber is read; then a steady flow
(`--steady` changes a second, each a new best bid or its cancel) runs while a test order, a new best ask at a price
no other order used, is placed every 0.2 s: from its API response to its update's receipt by every subscriber (p50,
p99), and the bytes of every update a subscriber received; last, the place-and-cancel flow again, with them. The
subscribers run in `--processes` client processes; times are CLOCK_MONOTONIC, the same in every process here.
`--no-compress`: the subscribers do not ask for permessage-deflate (the stream declines it). The latency is also given
from the test order's POST sent. `--code DIR`: serve another checkout's main.py, for the figures before.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import threading
import time
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from bench.common import (
    MARKET,
    cpu_seconds,
    median,
    percentile,
    print_table,
    register_traders,
    rss_kib,
    running_server,
    seed_book,
    wait_for_low_load,
)

TEST_ORDER_GAP = 0.2
FLOW_THREADS = 8


async def _subscribers(url: str, count: int, compress: bool, ready: Any, stop: EventType, results: Any) -> None:
    seen: dict[str, list[float]] = {}  # test price -> receipt times, one per subscriber that got it
    sizes: list[int] = []
    moments: list[float] = []  # when each update came
    closed = 0

    async def one() -> None:
        nonlocal closed
        try:
            options: dict[str, Any] = {} if compress else {"compression": None}
            async with connect(
                url, max_size=None, max_queue=None, open_timeout=60, ping_timeout=None, **options
            ) as socket:
                await socket.send(json.dumps({"op": "subscribe", "channel": "book", "market": MARKET, "depth": 10}))
                async for text in socket:
                    assert isinstance(text, str)
                    if '"type":"update"' not in text:
                        continue
                    now = time.monotonic()
                    sizes.append(len(text))
                    moments.append(now)
                    marker = text.find('"asks":{"3')
                    if marker >= 0:  # a test order's ask: the prices 30 4xx.xx are theirs alone
                        price = text[marker + 9 : text.index('"', marker + 9)]
                        if price.startswith("304"):
                            seen.setdefault(price, []).append(now)
        except Exception:
            closed += 1

    tasks = []
    for _ in range(count):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(0.002)
    await asyncio.sleep(2)
    ready.put(count)
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    results.put((seen, sizes, moments, closed))


def subscriber_process(url: str, count: int, compress: bool, ready: Any, stop: EventType, results: Any) -> None:
    asyncio.run(_subscribers(url, count, compress, ready, stop, results))


def flow(base_url: str, keys: list[str], seconds: float, per_second: float | None) -> int:
    """Place-and-cancel a best bid, from several threads; at `per_second` in all, or as fast as answered. Orders/s."""
    done = [0] * len(keys)
    deadline = time.monotonic() + seconds

    def run(index: int) -> None:
        headers = {"Authorization": f"Bearer {keys[index]}"}
        gap = None if per_second is None else len(keys) / per_second
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            step = 0
            while time.monotonic() < deadline:
                started = time.monotonic()
                price = f"{29_600 + index + (step % 50) / 100:.2f}"
                body = {"symbol": MARKET, "side": "buy", "price": price, "quantity": "0.0100"}
                order = client.post("/api/orders", json=body)
                order.raise_for_status()
                client.delete(f"/api/orders/{order.json()['id']}").raise_for_status()
                done[index] += 2
                step += 1
                if gap is not None:
                    time.sleep(max(0.0, gap - (time.monotonic() - started)))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(done) / seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4, help="client processes the subscribers share")
    parser.add_argument("--steady", type=float, default=20.0, help="background book changes a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument(
        "--compress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="subscribers ask for permessage-deflate, as the websockets package and browsers do by default",
    )
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    parser.add_argument("--code", help="serve another checkout's main.py (an older commit's: the figures before)")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    with running_server(code=Path(options.code) if options.code else None) as server:
        assert server.process is not None
        pid = server.process.pid
        keys = register_traders(server.base_url, FLOW_THREADS + 1)
        seed_book(server.base_url, keys[0])
        tester, flowing = keys[0], keys[1:]
        flow(server.base_url, flowing, 2, None)  # warm-up
        alone = flow(server.base_url, flowing, options.seconds, None)
        print(f"# orders/s with no subscriber: {alone}", flush=True)
        rss_before = rss_kib(pid)
        context = multiprocessing.get_context("spawn")
        ready, results, stop = context.Queue(), context.Queue(), context.Event()
        url = server.base_url.replace("http://", "ws://") + "/api/ws"
        share = options.subscribers // options.processes
        processes = [
            context.Process(target=subscriber_process, args=(url, share, options.compress, ready, stop, results))
            for _ in range(options.processes)
        ]
        for process in processes:
            process.start()
        subscribers = sum(ready.get(timeout=300) for _ in processes)
        time.sleep(2)
        rss_after = rss_kib(pid)
        per_subscriber = (rss_after - rss_before) / subscribers
        print(f"# {subscribers} subscribers: RSS {rss_before} -> {rss_after} KiB, {per_subscriber:.1f} KiB each")
        acked: dict[str, float] = {}
        submitted: dict[str, float] = {}  # when its POST was sent: a slower answer makes the ack's latency look shorter
        cpu_before, steady_start = cpu_seconds(pid), time.monotonic()
        steady = threading.Thread(target=flow, args=(server.base_url, flowing, options.seconds, options.steady))
        steady.start()
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {tester}"}, timeout=30) as http:
            step = 0
            deadline = time.monotonic() + options.seconds
            while time.monotonic() < deadline:
                price = f"{30_499.99 - step * 0.01:.2f}"
                body = {"symbol": MARKET, "side": "sell", "price": price, "quantity": "0.0100"}
                submitted[price] = time.monotonic()
                http.post("/api/orders", json=body).raise_for_status()
                acked[price] = time.monotonic()
                step += 1
                time.sleep(TEST_ORDER_GAP)
        steady.join()
        time.sleep(2)
        steady_cpu, steady_end = cpu_seconds(pid) - cpu_before, time.monotonic()
        loaded = flow(server.base_url, flowing, options.seconds, None)
        print(f"# orders/s with {subscribers} subscribers: {loaded}", flush=True)
        stop.set()
        latencies: list[float] = []
        from_submit: list[float] = []
        sizes: list[int] = []
        missed = closed = steady_updates = 0
        for _ in processes:
            seen, process_sizes, moments, process_closed = results.get(timeout=120)
            steady_updates += sum(steady_start <= moment <= steady_end for moment in moments)
            sizes += process_sizes
            closed += process_closed
            for price, times in seen.items():
                if price in acked:
                    latencies += [(moment - acked[price]) * 1000 for moment in times]
                    from_submit += [(moment - submitted[price]) * 1000 for moment in times]
            missed += sum(share - len(seen.get(price, [])) for price in acked)
        for process in processes:
            process.join(timeout=30)
    rows = [
        [
            subscribers,
            len(acked),
            median(latencies),
            percentile(latencies, 0.99),
            median(from_submit),
            percentile(from_submit, 0.99),
            missed,
            closed,
            median(sizes),
            f"{steady_cpu / max(1, steady_updates) * 1e6:.1f}",
            per_subscriber,
            alone,
            loaded,
            f"{loaded / alone:.2f}",
        ]
    ]
    headers = ["subscribers", "test orders", "p50 ms", "p99 ms", "from POST sent: p50", "p99"]
    headers += ["missed", "closed", "update bytes (median)"]
    headers += ["server CPU µs per update sent (steady phase)"]
    headers += ["RSS KiB per subscriber", "orders/s alone", "orders/s with them", "ratio"]
    print_table(headers, rows)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
