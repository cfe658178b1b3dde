"""A market's writer alone: CPU and SQL statements per batch of orders, on a real database, without HTTP.

Run from the repo root: `.venv/bin/python -m bench.bench_writer [--postgres] [--batches 1,8,32,128] [--client-ids]`.
The exchange runs in this process on a fresh temporary database (no watch, no pages); batches of crossing limit
orders from 20 funded traders (prices a few ticks around 30,000.00, so about half trade) are handed to BTC-USD's
writer whole, so each is one transaction (`--client-ids`: each order with a client_order_id, as programs send). Per
batch size: the process's CPU per order (the writer thread's SQL and matching, and the event loop's share of handing
the commands over), the wall time per batch, and the statements a batch sends (an executemany counts once). Medians
of `--runs` rounds.
"""

import argparse
import asyncio
import contextlib
import itertools
import random
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.accounts.service import Accounts
from app.exchange.commands import PlaceOrder
from app.exchange.service import Exchange
from app.store.db import Database, connect, create_schema
from bench.common import median, print_table
from models import TraderCreate
from models.enums import OrderType, Side, TimeInForce
from tests.servers import postgres_database, sqlite_url, unique_username

TRADERS = 20
CLIENT_IDS = itertools.count()
FUNDS = [("BTC", Decimal(10) ** 6), ("USD", Decimal(10) ** 12)]


@contextlib.contextmanager
def temporary_database(postgres: bool) -> Iterator[Database]:
    with contextlib.ExitStack() as stack:
        if postgres:
            url = stack.enter_context(postgres_database())
        else:
            url = sqlite_url(Path(stack.enter_context(tempfile.TemporaryDirectory())) / "bench.db")
        database = connect(url)
        create_schema(database)
        stack.callback(database.dispose)
        yield database


class StatementCounter:
    """Counts the statements the writer's engine sends (an executemany once)."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        event.listen(database.writer, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


async def one_round(
    exchange: Exchange, traders: list[int], size: int, orders: int, rng: random.Random, client_ids: bool
) -> list[Any]:
    """`orders` orders in batches of `size`: [CPU ms per order, wall ms per batch]."""
    writer = exchange.writers["BTC-USD"]
    loop = asyncio.get_running_loop()
    batches = max(1, orders // size)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(batches):
        commands = []
        for _ in range(size):
            side = rng.choice((Side.BUY, Side.SELL))
            commands.append(
                PlaceOrder(
                    trader_id=rng.choice(traders),
                    future=loop.create_future(),
                    side=side,
                    type=OrderType.LIMIT,
                    price=3_000_000 + rng.randint(-5, 5),
                    quantity=rng.randint(1, 50),
                    time_in_force=TimeInForce.GTC,
                    post_only=False,
                    client_order_id=f"bench-{next(CLIENT_IDS)}" if client_ids else None,
                )
            )
        # Queued together, before the writer wakes: one batch, one transaction.
        await asyncio.gather(*(writer.submit(command) for command in commands))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return [cpu * 1000 / (batches * size), wall * 1000 / batches]


async def measure(database: Database, sizes: list[int], orders: int, runs: int, client_ids: bool) -> list[list[Any]]:
    accounts = Accounts(database, starting_balances=FUNDS)
    traders = [
        (await accounts.register(TraderCreate(username=unique_username(), password="bench password"))).id
        for _ in range(TRADERS)
    ]
    exchange = Exchange(database, max_resting_per_trader=10**6)
    await exchange.start(watch_interval=0)
    counter = StatementCounter(database)
    rng = random.Random(7)
    rows = []
    try:
        for size in sizes:
            count = min(orders, 50 * size)  # small batches wait on the disk: fewer of them say as much
            await one_round(exchange, traders, size, min(count, 10 * size), rng, client_ids)  # warm-up
            figures, statements = [], []
            for _ in range(runs):
                before = counter.count
                figures.append(await one_round(exchange, traders, size, count, rng, client_ids))
                statements.append((counter.count - before) / max(1, count // size))
            rows.append(
                [
                    size,
                    f"{median([f[0] for f in figures]) * 1000:.0f}",
                    f"{median([f[1] for f in figures]):.2f}",
                    f"{median(statements):.1f}",
                ]
            )
    finally:
        await exchange.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a temp database on 127.0.0.1:5432 instead of SQLite")
    parser.add_argument("--batches", default="1,8,32,128", help="batch sizes, comma-separated")
    parser.add_argument("--orders", type=int, default=2000, help="orders per round (batches of n: at most 50 n)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--client-ids", action="store_true", help="every order with a client_order_id, as bots send")
    options = parser.parse_args()
    sizes = [int(size) for size in options.batches.split(",")]
    with temporary_database(options.postgres) as database:
        rows = asyncio.run(measure(database, sizes, options.orders, options.runs, options.client_ids))
    name = "PostgreSQL" if options.postgres else "SQLite"
    ids = ", each with a client_order_id" if options.client_ids else ""
    print(f"\nBTC-USD's writer on {name}, crossing limit orders{ids}, {options.orders} a round, {options.runs} rounds")
    print_table(["orders a batch", "µs CPU per order", "ms per batch", "statements a batch"], rows)


if __name__ == "__main__":
    main()
