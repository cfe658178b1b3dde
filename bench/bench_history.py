"""What a page of the trader's history costs the database: the fills and ledger queries behind GET /api/fills and
GET /api/ledger, for a busy trader (a quarter of 50,000 trades) and an ordinary one (about 1,500).

Run from the repo root: `.venv/bin/python -m bench.bench_history [--orders 100000] [--rounds 9] [--postgres]`.
The rows are inserted in bulk into a fresh database (a temp SQLite file, or a temp PostgreSQL database, ANALYZEd):
`--orders` filled orders of 50 traders, every fourth one the busy trader's, each pair of orders one trade, and
20,000 deposits. Each round reads the first page (100 rows) of each list in the store's own queries; medians in ms.
The ledger's first page reads both sources (ledger rows and fills); its balances need no more reads on the first page.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text

from app.store import history as store
from app.store.db import Database, connect, create_schema
from app.store.writes import ORDERS, TRADES
from bench.common import median, print_table, wait_for_low_load
from models import Trader
from models.clock import utcnow
from tests.servers import postgres_database, sqlite_url

TRADERS = 50
BUSY, ORDINARY = 1, 7


def fill(database: Database, orders: int) -> None:
    now = utcnow()
    rng = random.Random(1)
    with database.write() as session:
        traders = [
            {"id": i, "username": f"u{i}", "password_hash": "x", "api_key_hash": f"k{i}", "created_at": now}
            for i in range(1, TRADERS + 1)
        ]
        session.execute(insert(Trader.__table__), traders)  # type: ignore[attr-defined]
        rows = [
            {
                "id": i,
                "market_id": 1,
                "trader_id": BUSY if i % 4 == 0 else rng.randint(2, TRADERS),
                "client_order_id": None,
                "side": "buy" if i % 2 else "sell",
                "type": "limit",
                "price": Decimal("100"),
                "quantity": Decimal("1"),
                "filled_quantity": Decimal("1"),
                "status": "filled",
                "time_in_force": "GTC",
                "post_only": False,
                "sequence": i,
                "created_at": now - timedelta(seconds=orders - i),
                "updated_at": now,
            }
            for i in range(1, orders + 1)
        ]
        session.execute(insert(ORDERS), rows)
        trades = [
            {
                "id": j,
                "market_id": 1,
                "sequence": j,
                "price": Decimal("100"),
                "quantity": Decimal("1"),
                "taker_side": "buy",
                "taker_order_id": 2 * j - 1,
                "maker_order_id": 2 * j,
                "created_at": now - timedelta(seconds=orders - 2 * j),
                "maker_fee": Decimal("0.1"),
                "taker_fee": Decimal("0.2"),
            }
            for j in range(1, orders // 2 + 1)
        ]
        session.execute(insert(TRADES), trades)
        deposits = [
            {
                "trader_id": rng.randint(1, TRADERS),
                "asset": "USD",
                "amount": Decimal(5),
                "kind": "deposit",
                "created_at": now - timedelta(seconds=k),
            }
            for k in range(20_000)
        ]
        session.execute(insert(store.LEDGER), deposits)
        if database.writer.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))


def timed(database: Database, rounds: int, read: object) -> float:
    times = []
    with database.read() as session:
        for _ in range(rounds):
            start = time.perf_counter()
            read(session)  # type: ignore[operator]
            times.append((time.perf_counter() - start) * 1000)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--wait-load", type=float, default=0.0)
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(postgres_database()) if options.postgres else sqlite_url(folder / "bench.db")
        database = connect(url)
        stack.callback(database.dispose)
        create_schema(database)
        fill(database, options.orders)
        rows = []
        for label, trader in (("busy", BUSY), ("ordinary", ORDINARY)):
            fills = timed(
                database, options.rounds, lambda s, t=trader: store.trader_fills(s, t, store.Window(), limit=101)
            )
            ledger = timed(
                database, options.rounds, lambda s, t=trader: store.trader_ledger(s, t, store.Window(), limit=101)
            )
            with database.read() as session:
                count = len(store.trader_fills(session, trader, store.Window()))
            rows.append((label, count, f"{fills:.1f}", f"{ledger:.1f}"))
        print_table(["trader", "fills", "first page of fills (ms)", "ledger rows' page (ms)"], rows)


if __name__ == "__main__":
    main()
