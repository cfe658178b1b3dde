"""What balances add to an order in the writer: the CPU of holding, settling and releasing, without the SQL.

Run from the repo root: `.venv/bin/python -m bench.bench_settlement [--orders 20000] [--runs 5]`. The same stream of
crossing limit orders is matched by the pure engine alone, then with app/exchange/settlement.py's holds, fills and
releases on in-memory balances, as the writer runs them; the difference is the per-order cost of settlement (the
SQL it adds, one SELECT and one executemany per batch, is in bench_rest's figures).
"""

import argparse
import random
import time
from decimal import Decimal

from app.engine.book import OrderBook
from app.engine.orders import BookOrder
from app.exchange import settlement
from app.exchange.funds import Balances
from bench.common import median, print_table
from tests.components.rules import btc_usd_rules

RULES = btc_usd_rules(maker_fee_bps=10, taker_fee_bps=20)  # the fees BTC-USD ships with
TRADERS = 20


def stream(count: int) -> list[tuple[int, str, int, int]]:
    rng = random.Random(7)
    return [
        (rng.randrange(TRADERS), rng.choice(("buy", "sell")), 3_000_000 + rng.randint(-5, 5), rng.randint(1, 50))
        for _ in range(count)
    ]


def run(orders: list[tuple[int, str, int, int]], settle: bool) -> float:
    book = OrderBook()
    balances = Balances()
    keys = [(trader, asset) for trader in range(TRADERS) for asset in ("BTC", "USD")]
    balances.load([(trader, asset, Decimal(10) ** 12, Decimal(0)) for trader, asset in keys], keys)
    started = time.perf_counter()
    for number, (trader, side, price, lots) in enumerate(orders):
        order = BookOrder(id=number + 1, trader_id=trader, side=side, price=price, quantity=lots)
        if settle:
            held = settlement.place_hold(RULES, balances, order, None)
        execution = book.submit(order)
        if settle:
            paid = Decimal(0)
            for fill in execution.fills:
                paid += settlement.settle_fill(RULES, balances, order, fill)[2]
            settlement.release_taker(RULES, balances, order, held, paid)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    orders = stream(arguments.orders)
    engine = median([run(orders, settle=False) for _ in range(arguments.runs)])
    settled = median([run(orders, settle=True) for _ in range(arguments.runs)])
    per_order = (settled - engine) / len(orders) * 1e6
    print_table(
        ["orders", "engine alone, us/order", "with settlement, us/order", "settlement, us/order"],
        [[len(orders), f"{engine / len(orders) * 1e6:.1f}", f"{settled / len(orders) * 1e6:.1f}", f"{per_order:.1f}"]],
    )


if __name__ == "__main__":
    main()
