"""Catching up one batch another process committed, against a book of 100,000 resting orders: journal vs reload.

Run from the repo root: `.venv/bin/python -m bench.bench_catchup [--orders 100000] [--rounds 21] [--postgres]`.
Two exchanges run in this process on one fresh database (a temp SQLite file, or a temp PostgreSQL database), their
watch off. The resting orders are inserted in bulk (as if placed earlier), both books loaded; then, each round, the
leader commits one batch (one order that rests) and the follower catches up: once from the journal (`sync`, the path
a notification takes), once by the full reload every such change cost before the journal (its book marked unknown,
so `sync` reloads every resting order under the market's lock). Medians over the rounds, in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text

from app.accounts.service import Accounts
from app.exchange.service import Exchange
from app.store import writes
from app.store.db import Database, connect, create_schema
from bench.common import MARKET, PASSWORD, median, percentile, print_table, wait_for_low_load
from models import OrderCreate, TraderCreate
from models.clock import utcnow
from tests.servers import STARTING_CREDITS, postgres_database, sqlite_url, unique_username

CHUNK = 5_000


def fill_book(database: Database, trader_id: int, count: int) -> None:
    """`count` resting orders, half bids under 29,000 and half asks over 31,000, 1,000 price levels a side."""
    now = utcnow()
    with database.write() as session:
        market = session.execute(writes.MARKETS.select().where(writes.MARKETS.c.symbol == MARKET)).one()
        rows = []
        for index in range(count):
            side = "buy" if index % 2 else "sell"
            ticks = 2_900_000 - (index // 2) % 1000 if side == "buy" else 3_100_000 + (index // 2) % 1000
            rows.append(
                {
                    "id": index + 1,
                    "market_id": market.id,
                    "trader_id": trader_id,
                    "client_order_id": None,
                    "side": side,
                    "type": "limit",
                    "price": Decimal(ticks) / 100,
                    "quantity": Decimal("0.0100"),
                    "filled_quantity": Decimal(0),
                    "status": "open",
                    "time_in_force": "GTC",
                    "post_only": False,
                    "sequence": index + 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(rows) == CHUNK:
                session.execute(insert(writes.ORDERS), rows)
                rows = []
        if rows:
            session.execute(insert(writes.ORDERS), rows)
        session.execute(writes.MARKETS.update().where(writes.MARKETS.c.id == market.id).values(sequence=count))
        if database.writer.dialect.name == "postgresql":
            reserved = text("SELECT setval(pg_get_serial_sequence('orders', 'id'), :last)")  # ids the bulk insert took
            session.execute(reserved, {"last": count})


async def measure(database: Database, orders: int, rounds: int) -> dict[str, list[float]]:
    accounts = Accounts(database, starting_balances=STARTING_CREDITS)
    maker = await accounts.register(TraderCreate(username=unique_username("bench"), password=PASSWORD))
    taker = await accounts.register(TraderCreate(username=unique_username("bench"), password=PASSWORD))
    await asyncio.to_thread(fill_book, database, maker.id, orders)
    leader, follower = Exchange(database), Exchange(database)
    await leader.start(watch_interval=0)
    await follower.start(watch_interval=0)
    times: dict[str, list[float]] = {"journal": [], "reload": []}
    try:
        assert len(follower.writers[MARKET].market.book) == orders
        for index in range(rounds):
            for how in ("journal", "reload"):
                price = Decimal(30_000 - index % 50 - (50 if how == "reload" else 0))
                order_in = OrderCreate(symbol=MARKET, side="buy", price=price, quantity=Decimal("0.0100"))
                await leader.commands.place_order(trader_id=taker.id, order_in=order_in)
                if how == "reload":
                    follower.writers[MARKET].market.sequence = -1  # what any change by another process meant before
                started = time.perf_counter()
                await follower.sync(MARKET)
                times[how].append((time.perf_counter() - started) * 1000)
                assert follower.writers[MARKET].snapshot == leader.writers[MARKET].snapshot
    finally:
        await leader.stop()
        await follower.stop()
    return times


def run(postgres: bool, orders: int, rounds: int) -> list[list[object]]:
    with contextlib.ExitStack() as stack:
        if postgres:
            url = stack.enter_context(postgres_database())
        else:
            url = sqlite_url(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-"))) / "bench.db")
        database = connect(url)
        stack.callback(database.dispose)
        create_schema(database)
        times = asyncio.run(measure(database, orders, rounds))
    name = "PostgreSQL" if postgres else "SQLite"
    return [[name, orders, how, len(values), median(values), percentile(values, 0.9)] for how, values in times.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="resting orders in the book")
    parser.add_argument("--rounds", type=int, default=21, help="batches caught up each way")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only (default: SQLite, then PostgreSQL)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to S s for the load to drop under 1")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    backends = [True] if options.postgres else [False] if options.sqlite else [False, True]
    rows = [row for postgres in backends for row in run(postgres, options.orders, options.rounds)]
    print_table(["database", "resting orders", "catch-up", "rounds", "median ms", "p90 ms"], rows)


if __name__ == "__main__":
    main()
