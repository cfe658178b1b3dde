"""Consistency under load for a full minute: 30 watching tabs, a steady order flow, each tab checked with the server.

Run from the repo root: `.venv/bin/python -m bench.bench_soak [--tabs 30] [--seconds 60] [--traders 6] [--in-flight 8]
[--flow-processes 2]`.
The tabs are simulated socket.io clients that rebuild the page from NiceGUI's `update` messages
(tests/sim_clients.py); the flow is limit orders around a mid (some cross) with cancels from several traders.
tests/test_load_consistency.py runs the same `run_load` for 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench import bench_rest
from bench.common import (
    MARKET,
    cpu_seconds,
    print_table,
    register_traders,
    running_server,
    seed_book,
    wait_for_low_load,
)
from tests.sim_clients import SimulatedPage, close_pages, keep_acking, open_pages, wait_for

MID = Decimal("30000.00")  # bench.common.seed_book rests 20 levels a side 500 away from it
STEP = Decimal("0.50")  # price step of the order flow: levels half a dollar apart, ~30 a side
LOT = Decimal("0.0010")  # quantities are 1-50 of these

Ladder = list[tuple[str, str]]  # (price, size) per level: asks highest first, then bids best first


def page_ladder(page: SimulatedPage) -> Ladder:
    """The book a tab shows: its ask table over its bid table."""
    return [(row["price"], row["size"]) for name in ("ob-asks", "ob-bids") for row in page.table_rows(name)]


def server_ladder(book: dict[str, Any]) -> Ladder:
    """The same ladder from `GET /api/markets/{symbol}/book`: asks come best first there, so they are reversed."""
    asks = [(level["price"], level["quantity"]) for level in reversed(book["asks"])]
    return asks + [(level["price"], level["quantity"]) for level in book["bids"]]


def tape(page: SimulatedPage) -> list[tuple[int, str, str]]:
    """The trades tape a tab shows, newest first: (id, price, quantity)."""
    return [(row["id"], row["price"], row["quantity"]) for row in page.table_rows("trades-tape")]


def sequence(page: SimulatedPage) -> int:
    """The market sequence the tab's ladder shows (each book delta carries it; before, a hidden label)."""
    if (label := page.with_class("ob-sequence")) is not None:
        return int(label.get("text") or -1)
    return int(page.book()["sequence"])


@dataclass
class PageWatch:
    """Checks every state a tab passes through: the sequence never goes back, the ladder never crosses."""

    sequence: int = -1
    newest_trade: int = -1
    regressions: int = 0  # the shown sequence, or the tape's newest trade id, went down: an older state was shown
    bad_states: int = 0  # a crossed or unsorted ladder, or an unsorted tape, was shown
    times: list[float] = field(default_factory=list)  # when each update arrived (time.monotonic)

    def __call__(self, page: SimulatedPage) -> None:
        self.times.append(time.monotonic())
        shown = sequence(page)
        trades = tape(page)
        newest = trades[0][0] if trades else -1
        if shown < self.sequence or newest < self.newest_trade:
            self.regressions += 1
        self.sequence, self.newest_trade = max(self.sequence, shown), max(self.newest_trade, newest)
        if any(newer[0] <= older[0] for newer, older in itertools.pairwise(trades)):
            self.bad_states += 1
        prices = [Decimal(row["price"]) for name in ("ob-asks", "ob-bids") for row in page.table_rows(name)]
        if any(higher <= lower for higher, lower in itertools.pairwise(prices)):
            self.bad_states += 1

    def longest_silence(self, start: float, end: float) -> float:
        """The longest time between `start` and `end` in which this tab received no update."""
        times = [start, *(t for t in self.times if start < t < end), end]
        return max(later - earlier for earlier, later in itertools.pairwise(times))


@dataclass
class FlowResult:
    """What an order flow did: counts, and the first few unexpected answers."""

    placed: int = 0
    cancelled: int = 0
    cancel_misses: int = 0  # 409: filled before the cancel arrived, expected
    errors: list[str] = field(default_factory=list)
    started: float = 0.0  # time.time() when the flow started

    def add(self, other: FlowResult) -> None:
        self.placed += other.placed
        self.cancelled += other.cancelled
        self.cancel_misses += other.cancel_misses
        self.errors += other.errors


class OrderFlow:
    """Several traders placing limit orders around a mid (some cross) and cancelling some of what rests.

    Requests go over bench_rest's lean keep-alive client: httpx's pool costs more CPU than the server handling them.
    """

    def __init__(self, base_url: str, api_keys: list[str], *, symbol: str, mid: Decimal, seed: int = 7) -> None:
        self.url = httpx.URL(base_url)
        self.api_keys, self.symbol, self.mid = api_keys, symbol, mid
        self.random = random.Random(seed)
        self.resting: dict[str, list[int]] = {key: [] for key in api_keys}
        self.result = FlowResult()

    async def run(self, seconds: float, workers_per_trader: int = 4, start: float | None = None) -> FlowResult:
        """Send orders from `start` (a `time.time()`, default now) for `seconds`."""
        start = time.time() if start is None else start
        await asyncio.sleep(max(0.0, start - time.time()))
        deadline = start + seconds
        await asyncio.gather(*(self._work(key, deadline) for key in self.api_keys for _ in range(workers_per_trader)))
        return self.result

    async def _work(self, key: str, deadline: float) -> None:
        resting, result = self.resting[key], self.result
        headers = f"Authorization: Bearer {key}\r\n"
        connection = bench_rest.Connection(self.url.host, self.url.port or 80)
        try:
            while time.time() < deadline:
                if resting and (self.random.random() < 0.2 or len(resting) > 300):
                    order_id = resting.pop(self.random.randrange(len(resting)))
                    status, body = await connection.request("DELETE", f"/api/orders/{order_id}", headers=headers)
                    if status == 200:
                        result.cancelled += 1
                    elif status == 409:
                        result.cancel_misses += 1
                    else:
                        result.errors.append(f"DELETE {status} {body[:200]!r}")
                    continue
                side = self.random.choice(("buy", "sell"))
                offset = self.random.randint(-3, 30) * STEP  # below zero: crosses the spread
                price = self.mid - offset if side == "buy" else self.mid + offset
                quantity = self.random.randint(1, 50) * LOT
                order = {"symbol": self.symbol, "side": side, "price": str(price), "quantity": str(quantity)}
                status, body = await connection.request("POST", "/api/orders", json.dumps(order).encode(), headers)
                if status != 201:
                    result.errors.append(f"POST {status} {body[:200]!r}")
                    continue
                result.placed += 1
                answer = json.loads(body)
                if answer["status"] in ("open", "partially_filled"):
                    resting.append(answer["id"])
        finally:
            await connection.close()


def flow_process(args: tuple[str, list[str], str, str, float, float, int, int]) -> FlowResult:
    """An OrderFlow in a process of its own (for multiprocessing)."""
    base_url, keys, symbol, mid, start, seconds, workers_per_trader, seed = args
    flow = OrderFlow(base_url, keys, symbol=symbol, mid=Decimal(mid), seed=seed)
    return asyncio.run(flow.run(seconds, workers_per_trader, start))


def run_flow(
    base_url: str,
    keys: list[str],
    *,
    symbol: str,
    mid: Decimal,
    processes: int,
    workers_per_trader: int,
    seconds: float,
) -> FlowResult:
    """The order flow from `processes` processes, each with its own share of the traders; blocks until it is done."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(bench_rest.ready, range(processes))  # started and imported: the flow starts in all at once
        start = time.time() + 0.5
        jobs = [
            (base_url, keys[i::processes], symbol, str(mid), start, seconds, workers_per_trader, 7 + i)
            for i in range(processes)
        ]
        total = FlowResult(started=start)
        for result in pool.map(flow_process, jobs):
            total.add(result)
    return total


@dataclass
class LoadReport:
    """What a load run achieved and what the tabs showed."""

    pages: int
    seconds: float
    placed: int
    cancelled: int
    cancel_misses: int
    flow_errors: list[str]
    mismatches: int  # tabs whose ladder or tape differ from the server's after the settle time
    late_pages: int  # of those, tabs that caught up within the extra grace time (late, not wrong)
    regressions: int
    bad_states: int
    longest_silence: float  # s: the longest a tab went without an update while orders flowed
    lost_messages: int
    delta_failures: int  # book deltas that did not start at the tab's sequence or end on their checksum
    updates: int
    rss_before_kib: int
    rss_after_kib: int
    examples: list[str]

    @property
    def orders_per_s(self) -> float:
        return self.placed / self.seconds

    @property
    def requests_per_s(self) -> float:
        return (self.placed + self.cancelled) / self.seconds


async def run_load(
    base_url: str,
    api_keys: list[str],
    *,
    pages: int,
    seconds: float,
    symbol: str,
    mid: Decimal,
    settle: float = 2.0,
    workers_per_trader: int = 4,
    flow_processes: int = 2,
) -> LoadReport:
    """`pages` tabs watch `/market/{symbol}` while the order flow runs; then each tab is compared with the server."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        rss_before = (await http.get("/api/metrics")).json()["rss_kib"]
        tabs = await open_pages(base_url, f"/market/{symbol}", pages, http=http)
        watches = [PageWatch() for _ in tabs]
        for tab, watch in zip(tabs, watches, strict=True):
            tab.on_update.append(watch)
        acks = asyncio.create_task(keep_acking(tabs))
        try:
            # The flow runs in other processes: this one only watches (30 tabs' messages keep it busy enough).
            flow = await asyncio.to_thread(
                run_flow,
                base_url,
                api_keys,
                symbol=symbol,
                mid=mid,
                processes=flow_processes,
                workers_per_trader=workers_per_trader,
                seconds=seconds,
            )
            started = time.monotonic() - (time.time() - flow.started)
            await asyncio.sleep(settle)
            book = (await http.get(f"/api/markets/{symbol}/book?depth=12")).json()
            trades = [
                (t["id"], t["price"], t["quantity"])
                for t in (await http.get(f"/api/markets/{symbol}/trades?limit=20")).json()
            ]
            expected = server_ladder(book)

            def wrong() -> list[SimulatedPage]:
                return [
                    tab
                    for tab in tabs
                    if sequence(tab) != book["sequence"] or page_ladder(tab) != expected or tape(tab) != trades
                ]

            mismatched = wrong()
            examples = [
                f"tab at sequence {sequence(tab)} shows {page_ladder(tab)[:3]}..., "
                f"server at {book['sequence']} {expected[:3]}..."
                for tab in mismatched[:3]
            ]
            with contextlib.suppress(TimeoutError):
                await wait_for(lambda: not wrong(), timeout=10.0)
            after = (await http.get(f"/api/markets/{symbol}/book?depth=12")).json()
            assert after["sequence"] == book["sequence"], "the book moved after the order flow had stopped"
            rss_after = (await http.get("/api/metrics")).json()["rss_kib"]
        finally:
            acks.cancel()
            await close_pages(tabs)
    return LoadReport(
        pages=pages,
        seconds=seconds,
        placed=flow.placed,
        cancelled=flow.cancelled,
        cancel_misses=flow.cancel_misses,
        flow_errors=flow.errors,
        mismatches=len(mismatched),
        late_pages=len(mismatched) - len(wrong()),
        regressions=sum(watch.regressions for watch in watches),
        bad_states=sum(watch.bad_states for watch in watches),
        longest_silence=max((watch.longest_silence(started, started + seconds) for watch in watches), default=0.0),
        lost_messages=sum(tab.lost_messages for tab in tabs),
        delta_failures=sum(tab.delta_failures for tab in tabs),
        updates=sum(tab.updates for tab in tabs),
        rss_before_kib=rss_before,
        rss_after_kib=rss_after,
        examples=examples,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=30, help="simulated tabs on /market/BTC-USD")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the order flow runs")
    parser.add_argument("--traders", type=int, default=6, help="traders sending orders")
    parser.add_argument("--in-flight", type=int, default=8, help="requests in flight per trader")
    parser.add_argument("--flow-processes", type=int, default=2, help="processes sending the orders")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    parser.add_argument("--code", type=Path, default=None, help="run the server of another checkout (e.g. older)")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    with running_server(code=options.code) as server:
        assert server.process is not None
        keys = register_traders(server.base_url, options.traders + 1)
        seed_book(server.base_url, keys.pop())
        cpu_before, wall_before = cpu_seconds(server.process.pid), time.monotonic()
        report = asyncio.run(
            run_load(
                server.base_url,
                keys,
                pages=options.tabs,
                seconds=options.seconds,
                symbol=MARKET,
                mid=MID,
                workers_per_trader=options.in_flight,
                flow_processes=options.flow_processes,
            )
        )
        server_cores = (cpu_seconds(server.process.pid) - cpu_before) / (time.monotonic() - wall_before)
        errors = server.error_lines()
        slow_pages = server.log().count("not ready after")
    print(f"\nConsistency under load: {options.tabs} tabs, {options.traders} traders x {options.in_flight} in flight")
    rows = [
        ["order flow (s)", f"{report.seconds:.1f}"],
        ["orders placed / s (held)", f"{report.orders_per_s:.1f}"],
        ["requests / s incl. cancels", f"{report.requests_per_s:.1f}"],
        ["order flow errors", len(report.flow_errors)],
        ["server CPU (cores, whole run)", f"{server_cores:.2f}"],
        ["`update` messages and deltas applied (all tabs)", report.updates],
        ["longest a tab went without an update (s)", f"{report.longest_silence:.1f}"],
        ["tabs not matching the server 2 s after the flow", report.mismatches],
        ["  of those, caught up within 10 s more", report.late_pages],
        ["cancels that found the order already filled (409)", report.cancel_misses],
        ["sequence regressions (shown sequence or tape's newest trade)", report.regressions],
        ["crossed/unsorted ladders or tapes shown", report.bad_states],
        ["messages lost (gaps in message ids)", report.lost_messages],
        ["book deltas off the sequence or the checksum", report.delta_failures],
        ["server errors logged", len(errors)],
        ["pages over NiceGUI's response_timeout", slow_pages],
        ["server RSS before / after (MiB)", f"{report.rss_before_kib / 1024:.1f} / {report.rss_after_kib / 1024:.1f}"],
    ]
    print_table(["", "value"], rows)
    for line in report.flow_errors[:5] + errors[:5] + report.examples:
        print(line)


if __name__ == "__main__":
    main()
