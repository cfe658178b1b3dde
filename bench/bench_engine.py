"""Throughput benchmark of the matching engine on a seeded mixed limit/market/cancel stream."""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_engine.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import BUY, GTC, IOC, LIMIT, MARKET, SELL, BookOrder, OrderBook

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


def main() -> None:
    stream = build_stream()
    cancels = sum(1 for step in stream if step[0] == "cancel")
    markets = sum(1 for step in stream if step[0] == "market")
    print(f"stream: {len(stream)} ops ({len(stream) - cancels - markets} limit, {markets} market, {cancels} cancel)")
    wall, cpu = [], []
    trades = 0
    for _ in range(REPEATS):
        wall_seconds, cpu_seconds, trades = run_ours(stream)
        wall.append(wall_seconds)
        cpu.append(cpu_seconds)
    # CPU time is reported too because on a shared machine other processes inflate the wall clock.
    print(
        f"app.engine: median {len(stream) / statistics.median(wall):,.0f} orders/s wall-clock, "
        f"{len(stream) / statistics.median(cpu):,.0f} orders/s of CPU time, over {REPEATS} runs; {trades} trades"
    )
    # PyPI's "pylob" is a level-2 market-data helper, not PyLOB's matching engine, so there is nothing to compare.
    print("PyLOB: not installable from PyPI, no ratio")


if __name__ == "__main__":
    main()
