"""The soak on one instance against two: 60 watching tabs and the same order flow, in the same run, on PostgreSQL.

Run from the repo root: `.venv/bin/python -m bench.bench_soak_instances [--tabs 60] [--seconds 30] [--traders 8]
[--in-flight 8] [--rounds 1] [--markets 1]`. Each round runs the soak on 1 instance, then on 2 (a fresh PostgreSQL
database each, on 127.0.0.1:5432, and Redis at 127.0.0.1:6379 for the instances' shared sessions and throttles).
With 2, half the tabs and half the traders go to each instance, straight to its port (tests/cluster/ covers the
proxy). The flow comes from 2 client processes in both cases; with `--markets 2` each trades a market of its own
(BTC-USD, ETH-USD) and the tabs with it watch that market. Prints orders/s held, the ratio, the tabs that did not
end on their instance's book, and where the time went (CPU of the instances, PostgreSQL, the rest; the writers'
transactions, book reloads and latency).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import bench_rest
from bench.bench_soak import MID, FlowResult, PageWatch, flow_process, page_ladder, sequence, server_ladder, tape
from bench.common import MARKET, cpu_seconds, print_table, register_traders, wait_for_low_load
from tests.redis_server import SHARED_REDIS_URL, forget, unique_prefix
from tests.servers import ServerProcess, postgres_database
from tests.sim_clients import SimulatedPage, close_pages, keep_acking, open_pages, wait_for

SECOND_MARKET = "ETH-USD"  # with --markets 2 (its lot 0.001 takes the flow's quantities, multiples of 0.0010)


@dataclass
class SoakResult:
    instances: int
    tabs: int
    seconds: float
    flow: FlowResult
    mismatches: int
    regressions: int
    lost_messages: int
    instance_cores: float  # CPU of the app processes, summed, in cores over the flow
    postgres_cores: float  # CPU of every postgres process on the machine over the flow
    other_cores: float  # the rest: the load generators, this process's simulated tabs
    errors: int
    batches: int  # writer transactions committed, all instances
    commands: int  # traders' commands in them
    reloads: int  # books reloaded from the database because another instance had written the market
    latency_ms: float  # mean from an order reaching its instance's exchange to its acknowledgement

    @property
    def orders_per_s(self) -> float:
        return self.flow.placed / self.seconds


def prometheus_totals(base_url: str) -> dict[str, float]:
    """The writer's batch and latency counters of one instance, summed over markets (its /metrics)."""
    wanted = (
        "orderbook_batch_commands_sum",
        "orderbook_batch_commands_count",
        "orderbook_order_latency_seconds_sum",
        "orderbook_order_latency_seconds_count",
    )
    totals = dict.fromkeys(wanted, 0.0)
    for line in httpx.get(f"{base_url}/metrics", timeout=10).text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in totals:
            totals[name] += float(line.rsplit(" ", 1)[1])
    return totals


def reload_count(server: ServerProcess) -> int:
    return server.log().count("book reloaded at sequence")


def postgres_cpu() -> float:
    """CPU seconds of every `postgres` process (the server's backends serve every instance)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
    return total


def machine_cpu() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def instances_on_postgres(count: int, folder: Path) -> Iterator[list[ServerProcess]]:
    """`count` instances on one fresh PostgreSQL database, sharing sessions and throttles in Redis."""
    prefix = unique_prefix()
    os.environ.update(ORDERBOOK_REDIS_URL=SHARED_REDIS_URL, ORDERBOOK_REDIS_PREFIX=prefix)
    with postgres_database() as database_url:
        servers = [ServerProcess(database_url, folder / f"instance{n}-{count}.log") for n in range(count)]
        try:
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_until_healthy()
            yield servers
        finally:
            for server in servers:
                server.stop()
            forget(SHARED_REDIS_URL, prefix)


def run_flows(jobs: list[tuple[str, list[str], str]], *, seconds: float, workers_per_trader: int) -> FlowResult:
    """One flow process per (instance URL, traders, market) job, all starting at once; blocks until they are done."""
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        pool.map(bench_rest.ready, range(len(jobs)))
        start = time.time() + 0.5
        arguments = [
            (url, keys, market, str(MID), start, seconds, workers_per_trader, 7 + i)
            for i, (url, keys, market) in enumerate(jobs)
        ]
        total = FlowResult(started=start)
        for result in pool.map(flow_process, arguments):
            total.add(result)
    return total


async def soak(
    servers: list[ServerProcess], keys: list[str], *, tabs: int, seconds: float, in_flight: int, markets: list[str]
) -> SoakResult:
    """`tabs` split over the servers watch while 2 flow processes trade through them; then each tab is checked.

    Flow process i trades `markets[i % len(markets)]` through instance i % instances; the tabs are split the same way
    (tab i on instance i % instances, watching the market that instance's flow trades).
    """
    urls = [server.base_url for server in servers]
    jobs = [(urls[i % len(urls)], keys[i::2], markets[i % len(markets)]) for i in range(2)]
    async with httpx.AsyncClient(timeout=60) as http:
        pages: list[tuple[str, str, SimulatedPage]] = []
        for index in range(2):
            url, _, market = jobs[index]
            share = tabs // 2 + (1 if index < tabs % 2 else 0)
            pages += [(url, market, page) for page in await open_pages(url, f"/market/{market}", share, http=http)]
        watches = [PageWatch() for _ in pages]
        for (_, _, page), watch in zip(pages, watches, strict=True):
            page.on_update.append(watch)
        tab_pages = [page for _, _, page in pages]
        acks = asyncio.create_task(keep_acking(tab_pages))
        # 2 flow processes whatever the instance count: the same offered load, split over the instances.
        pids = [server.process.pid for server in servers if server.process is not None]
        cpu_before = [cpu_seconds(pid) for pid in pids]
        pg_before, machine_before, wall_before = postgres_cpu(), machine_cpu(), time.monotonic()
        counters_before = [prometheus_totals(url) for url in urls]
        reloads_before = sum(reload_count(server) for server in servers)
        try:
            flow = await asyncio.to_thread(run_flows, jobs, seconds=seconds, workers_per_trader=in_flight)
            wall = time.monotonic() - wall_before
            instance_cores = sum(cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True)) / wall
            postgres_cores = (postgres_cpu() - pg_before) / wall
            other_cores = (machine_cpu() - machine_before) / wall - instance_cores - postgres_cores
            counters = {name: 0.0 for name in counters_before[0]}
            for url, before in zip(urls, counters_before, strict=True):
                for name, value in prometheus_totals(url).items():
                    counters[name] += value - before[name]
            reloads = sum(reload_count(server) for server in servers) - reloads_before
            await asyncio.sleep(2.0)
            books, trades = {}, {}
            for url, _, market in jobs:
                books[url, market] = (await http.get(f"{url}/api/markets/{market}/book?depth=12")).json()
                answer = (await http.get(f"{url}/api/markets/{market}/trades?limit=20")).json()
                trades[url, market] = [(t["id"], t["price"], t["quantity"]) for t in answer]

            def wrong() -> list[SimulatedPage]:
                return [
                    page
                    for url, market, page in pages
                    if sequence(page) != books[url, market]["sequence"]
                    or page_ladder(page) != server_ladder(books[url, market])
                    or tape(page) != trades[url, market]
                ]

            with contextlib.suppress(TimeoutError):
                await wait_for(lambda: not wrong(), timeout=10.0)
            mismatched = len(wrong())
        finally:
            acks.cancel()
            await close_pages(tab_pages)
    return SoakResult(
        instances=len(servers),
        tabs=tabs,
        seconds=seconds,
        flow=flow,
        mismatches=mismatched,
        regressions=sum(watch.regressions for watch in watches),
        lost_messages=sum(page.lost_messages for page in tab_pages),
        instance_cores=instance_cores,
        postgres_cores=postgres_cores,
        other_cores=other_cores,
        errors=sum(len(server.error_lines()) for server in servers),
        batches=int(counters["orderbook_batch_commands_count"]),
        commands=int(counters["orderbook_batch_commands_sum"]),
        reloads=reloads,
        latency_ms=1000
        * counters["orderbook_order_latency_seconds_sum"]
        / max(1.0, counters["orderbook_order_latency_seconds_count"]),
    )


def seed_market(base_url: str, api_key: str, market: str, levels: int = 20) -> None:
    """Resting levels a side away from the flow's prices, so that every page shows full ladders."""
    with httpx.Client(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {api_key}"}) as client:
        for level in range(1, levels + 1):
            for side, price in (("buy", MID - 500 - level), ("sell", MID + 500 + level)):
                body = {"symbol": market, "side": side, "price": str(price), "quantity": "0.0100"}
                client.post("/api/orders", json=body).raise_for_status()


def run_one(count: int, folder: Path, options: argparse.Namespace) -> SoakResult:
    markets = [MARKET, SECOND_MARKET][: options.markets]
    with instances_on_postgres(count, folder) as servers:
        keys = register_traders(servers[0].base_url, options.traders + 1)
        seeder = keys.pop()
        for market in markets:
            seed_market(servers[0].base_url, seeder, market)
            for server in servers:  # every instance has caught up with the seeded book before the tabs open
                deadline = time.monotonic() + 10
                while httpx.get(f"{server.base_url}/api/markets/{market}/book", timeout=5).json()["sequence"] < 40:
                    assert time.monotonic() < deadline, "an instance did not catch up with the seeded book"
                    time.sleep(0.1)
        return asyncio.run(
            soak(
                servers,
                keys,
                tabs=options.tabs,
                seconds=options.seconds,
                in_flight=options.in_flight,
                markets=markets,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=60, help="simulated tabs on /market/BTC-USD, split over instances")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each order flow runs")
    parser.add_argument("--traders", type=int, default=8, help="traders sending orders")
    parser.add_argument("--in-flight", type=int, default=8, help="requests in flight per trader")
    parser.add_argument("--markets", type=int, choices=(1, 2), default=1, help="2: each flow process its own market")
    parser.add_argument("--rounds", type=int, default=1, help="1 then 2 instances, this many times")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    results: list[SoakResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-instances-") as folder:
        for _ in range(options.rounds):
            for count in (1, 2):
                results.append(run_one(count, Path(folder), options))
    print(
        f"\nSoak on PostgreSQL, {options.markets} market(s): {options.tabs} tabs, "
        f"{options.traders} traders x {options.in_flight} in flight, "
        f"{options.seconds:.0f} s a run"
    )
    rows = [
        [
            r.instances,
            f"{r.orders_per_s:.1f}",
            len(r.flow.errors),
            r.mismatches,
            r.regressions,
            r.lost_messages,
            f"{r.instance_cores:.2f}",
            f"{r.postgres_cores:.2f}",
            f"{r.other_cores:.2f}",
            r.errors,
        ]
        for r in results
    ]
    inside = [
        [r.instances, r.batches, f"{r.commands / max(1, r.batches):.1f}", r.reloads, f"{r.latency_ms:.1f}"]
        for r in results
    ]
    headers = [
        "instances",
        "orders/s held",
        "flow errors",
        "tabs off the book",
        "regressions",
        "lost msgs",
        "app CPU (cores)",
        "PostgreSQL CPU",
        "clients+rest CPU",
        "errors logged",
    ]
    print_table(headers, rows)
    print("\nInside the instances (all markets, summed over instances):")
    inside_headers = ["instances", "batches committed", "commands per batch", "book reloads", "mean order latency (ms)"]
    print_table(inside_headers, inside)
    one = [r.orders_per_s for r in results if r.instances == 1]
    two = [r.orders_per_s for r in results if r.instances == 2]
    print(f"\n2 instances / 1 instance: {sum(two) / len(two) / (sum(one) / len(one)):.2f}x orders/s held")
    for result in results:
        for line in result.flow.errors[:3]:
            print(line)


if __name__ == "__main__":
    main()
