"""Throughput benchmark of the matching engine on a seeded mixed limit/market/cancel stream.

With `--reference DIR` (or env PYLOB_PATH=DIR), where DIR/PyLOB holds DrAshBooth/PyLOB's sources (kept
outside this repository), the same stream is replayed through PyLOB in this process and the throughput
ratio ours/PyLOB is printed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_engine.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.book import OrderBook
from app.engine.orders import BUY, GTC, IOC, LIMIT, MARKET, SELL, BookOrder

SEED = 20240601
OPERATIONS = 200_000
REPEATS = 5
MID = 10_000
TRADERS = 8

# A stream step is ("limit" | "market", id, trader, side, price, quantity, time_in_force) or ("cancel", id).
Step = tuple


def build_stream(operations: int = OPERATIONS, seed: int = SEED) -> list[Step]:
    """About 60% limit orders around a drifting mid, 10% market orders and 30% cancels of live orders."""
    rng = random.Random(seed)
    # The stream is generated against a live book so that cancels target orders that are really resting.
    book = OrderBook()
    candidates: list[int] = []
    stream: list[Step] = []
    mid = MID
    next_id = 1
    while len(stream) < operations:
        roll = rng.random()
        if roll < 0.3 and candidates:
            while candidates:
                slot = rng.randrange(len(candidates))
                order_id = candidates[slot]
                candidates[slot] = candidates[-1]
                candidates.pop()
                if book.get(order_id) is not None:
                    book.cancel(order_id)
                    stream.append(("cancel", order_id))
                    break
            continue
        side = BUY if rng.random() < 0.5 else SELL
        trader = rng.randrange(TRADERS)
        quantity = rng.randint(1, 20)
        if roll < 0.4:
            step: Step = ("market", next_id, trader, side, None, quantity, IOC)
        else:
            mid += rng.choice((-1, 0, 0, 1))
            # Mostly passive prices a few ticks off the mid, some aggressive enough to cross.
            offset = int(rng.expovariate(0.25)) - 2
            price = mid - offset if side == BUY else mid + offset
            tif = IOC if rng.random() < 0.05 else GTC
            step = ("limit", next_id, trader, side, price, quantity, tif)
        run_step(book, step)
        candidates.append(next_id)
        next_id += 1
        stream.append(step)
    return stream


def run_step(book: OrderBook, step: Step) -> int:
    """Apply one step and return the number of trades it printed."""
    if step[0] == "cancel":
        book.cancel(step[1])
        return 0
    kind, order_id, trader, side, price, quantity, tif = step
    order = BookOrder(
        id=order_id,
        trader_id=trader,
        side=side,
        price=price,
        quantity=quantity,
        type=MARKET if kind == "market" else LIMIT,
        time_in_force=tif,
    )
    return len(book.submit(order).fills)


def run_ours(stream: list[Step]) -> tuple[float, float, int]:
    """Wall and CPU seconds for the whole stream on a fresh book, and the number of trades."""
    book = OrderBook()
    submit = book.submit
    cancel = book.cancel
    trades = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for step in stream:
        if step[0] == "cancel":
            cancel(step[1])
            continue
        kind, order_id, trader, side, price, quantity, tif = step
        order = BookOrder(
            id=order_id,
            trader_id=trader,
            side=side,
            price=price,
            quantity=quantity,
            type=MARKET if kind == "market" else LIMIT,
            time_in_force=tif,
        )
        trades += len(submit(order).fills)
    return time.perf_counter() - start, time.process_time() - cpu_start, trades


def run_pylob(book_class: type, stream: list[Step]) -> tuple[float, float, int, int]:
    """Wall and CPU seconds for the stream on a fresh PyLOB book, its number of trades and of self-trades."""
    book = book_class()
    process = book.processOrder
    cancel = book.cancelOrder
    resting: dict[int, tuple[str, int]] = {}  # our order id -> (PyLOB side, PyLOB's own idNum)
    trades = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for step in stream:
        if step[0] == "cancel":
            # Absent: PyLOB filled (or never rested) an order ours still had resting, nothing to cancel.
            entry = resting.pop(step[1], None)
            if entry is not None:
                cancel(*entry)
            continue
        kind, order_id, trader, side, price, quantity, tif = step
        pylob_side = "bid" if side == BUY else "ask"
        quote = {"type": kind, "side": pylob_side, "qty": quantity, "price": price, "tid": trader}
        fills, in_book = process(quote, False, False)
        trades += len(fills)
        if in_book is not None:
            if tif == GTC:
                resting[order_id] = (pylob_side, in_book["idNum"])
            else:  # PyLOB has no IOC limit orders: cancel the unfilled remainder straight away
                cancel(pylob_side, in_book["idNum"])
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    self_trades = sum(1 for trade in book.tape if trade["party1"][0] == trade["party2"][0])
    return wall, cpu, trades, self_trades


def import_pylob(directory: str) -> type:
    """PyLOB's OrderBook from DIR/PyLOB (its vendored BinTrees, if any, next to it in DIR)."""
    package = Path(directory).resolve() / "PyLOB"
    if not (package / "__init__.py").is_file():
        sys.exit(f"no PyLOB package at {package}")
    sys.path.insert(0, str(package.parent))
    module = importlib.import_module("PyLOB")
    if Path(module.__file__).resolve().parent != package:  # type: ignore[arg-type]
        sys.exit(f"imported PyLOB from {module.__file__}, not from {package}")
    return module.OrderBook


def rate(operations: int, seconds: list[float]) -> float:
    return operations / statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", metavar="DIR", default=os.environ.get("PYLOB_PATH"), help="PyLOB checkout")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per engine (default %(default)s)")
    args = parser.parse_args()
    pylob_book = import_pylob(args.reference) if args.reference else None

    # The machine may be shared: say how loaded it was, and report CPU time next to the wall clock.
    print(f"load average (1, 5, 15 min) at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    stream = build_stream()
    ops = len(stream)
    cancels = sum(1 for step in stream if step[0] == "cancel")
    markets = sum(1 for step in stream if step[0] == "market")
    print(f"stream: {ops} ops ({ops - cancels - markets} limit, {markets} market, {cancels} cancel)")
    wall, cpu, ref_wall, ref_cpu = [], [], [], []
    trades = ref_trades = self_trades = 0
    for _ in range(args.repeats):
        # Alternate the engines so that a change in the machine's load falls on both alike.
        wall_seconds, cpu_seconds, trades = run_ours(stream)
        wall.append(wall_seconds)
        cpu.append(cpu_seconds)
        if pylob_book is not None:
            wall_seconds, cpu_seconds, ref_trades, self_trades = run_pylob(pylob_book, stream)
            ref_wall.append(wall_seconds)
            ref_cpu.append(cpu_seconds)
    print(
        f"app.engine: median {rate(ops, wall):,.0f} orders/s wall-clock, "
        f"{rate(ops, cpu):,.0f} orders/s of CPU time, over {args.repeats} runs; {trades} trades"
    )
    if pylob_book is None:
        print("PyLOB: no ratio; pass --reference DIR (or set PYLOB_PATH=DIR), DIR/PyLOB holding DrAshBooth/PyLOB")
    else:
        print(
            f"PyLOB:      median {rate(ops, ref_wall):,.0f} orders/s wall-clock, "
            f"{rate(ops, ref_cpu):,.0f} orders/s of CPU time, over {args.repeats} runs; {ref_trades} trades"
        )
        print(
            f"ratio app.engine/PyLOB: {rate(ops, wall) / rate(ops, ref_wall):.2f}x wall-clock, "
            f"{rate(ops, cpu) / rate(ops, ref_cpu):.2f}x CPU time"
        )
        if ref_trades != trades:
            # Ours expires an order that would trade with its own trader; PyLOB trades it, and the books diverge.
            print(
                f"trade counts differ ({trades} vs {ref_trades}): PyLOB has no self-trade prevention "
                f"({self_trades} of its trades are self-trades), so from the first one the two books differ"
            )
    print(f"load average (1, 5, 15 min) at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
