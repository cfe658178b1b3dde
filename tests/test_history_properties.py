"""Random flows of orders, market orders, cancels, deposits and withdrawals from two traders on both markets: the
ledger adds up (hypothesis), through the real app in-process on SQLite and PostgreSQL.

After a first flow the test notes each trader's ledger lines and balances; after a second, the lines that came in
between add up, per asset, to exactly the change of the balance (available + held, as GET /api/balances says); each
line's balance is the one below it plus its amount, starting from zero; and the newest line's balance is today's.
"""

import random
from collections import defaultdict
from decimal import Decimal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TraderFactory
from tests.examples import examples
from tests.funds import credit
from tests.history_support import totals, walk
from tests.servers import Trader

SYMBOLS = {"BTC-USD": "0.0100", "ETH-USD": "0.010"}  # a market and its smallest quantity worth at least 1 USD here


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """Traders start with amounts a few orders can move, not the test servers' usual fortune."""
    return {"ORDERBOOK_STARTING_BALANCES": "USD=300,BTC=1,ETH=2"}


def step(seed: int, traders: list[Trader], database_url: str) -> None:
    """One random action, drawn from a seed (a refusal, such as insufficient funds, is part of the flow)."""
    rng = random.Random(seed)
    username, _, client = rng.choice(traders)
    symbol = rng.choice(list(SYMBOLS))
    quantity = str(Decimal(SYMBOLS[symbol]) * rng.randint(1, 4))
    action = rng.randrange(9)
    if action < 3:  # an order of one trader, which may rest, cross, or be refused (insufficient funds)
        body: dict = {"symbol": symbol, "side": rng.choice(["buy", "sell"]), "quantity": quantity}
        body["price"] = f"{Decimal('99.00') + Decimal('0.50') * rng.randint(0, 4):.2f}"
        assert client.post("/api/orders", json=body).status_code in (201, 422)
    elif action < 6:  # one trader rests an order, the other takes it (or part of it) with a market order
        taker = next(other for other in traders if other.client is not client).client
        side, other_side = rng.choice([("buy", "sell"), ("sell", "buy")])
        price = f"{Decimal('99.00') + Decimal('0.50') * rng.randint(0, 4):.2f}"
        rest = {"symbol": symbol, "side": side, "price": price, "quantity": quantity}
        assert client.post("/api/orders", json=rest).status_code in (201, 422)
        take = {"symbol": symbol, "side": other_side, "type": "market", "quantity": SYMBOLS[symbol]}
        assert taker.post("/api/orders", json=take).status_code in (201, 422)
    elif action == 6:
        assert client.delete("/api/orders").status_code == 200
    elif action == 7:
        credit(database_url, username, rng.choice(["USD", "BTC"]), rng.choice(["25.37", "0.0050"]))
    else:
        assert client.delete("/api/orders").status_code == 200  # free the holds, so that the withdrawal can be made
        credit(database_url, username, "USD", "-1.23")


def ledger(client: httpx.Client) -> list[dict]:
    return walk(client, "/api/ledger", "entries", limit=7)


def check_chain(lines: list[dict], balances: dict[str, Decimal]) -> None:
    """Newest first, per asset: the newest balance is today's, each is the older one plus its amount, from zero."""
    by_asset: defaultdict[str, list[dict]] = defaultdict(list)
    for line in lines:
        by_asset[line["asset"]].append(line)
    for asset, own in by_asset.items():
        assert Decimal(own[0]["balance"]) == balances[asset], asset
        for newer, older in zip(own, [*own[1:], None], strict=True):
            below = Decimal(0) if older is None else Decimal(older["balance"])
            assert Decimal(newer["balance"]) - Decimal(newer["amount"]) == below, (asset, newer, older)


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(st.integers(0, 2**32 - 1), min_size=2, max_size=10),
    second=st.lists(st.integers(0, 2**32 - 1), min_size=2, max_size=10),
)
def test_the_ledger_lines_of_a_period_add_up_to_the_change_of_each_balance(
    trader: TraderFactory, database_url: str, first: list[int], second: list[int]
) -> None:
    traders = [trader(fresh=True), trader(fresh=True)]
    try:
        for seed in first:
            step(seed, traders, database_url)
        before = [({line["id"] for line in ledger(client)}, totals(client)) for _, _, client in traders]
        for seed in second:
            step(seed, traders, database_url)
        for (_, _, client), (seen, balances_before) in zip(traders, before, strict=True):
            lines = ledger(client)
            balances = totals(client)
            check_chain(lines, balances)
            moved: defaultdict[str, Decimal] = defaultdict(Decimal)
            for line in lines:
                if line["id"] not in seen:
                    moved[line["asset"]] += Decimal(line["amount"])
            assert {asset: balances[asset] - balances_before[asset] for asset in balances} == {
                asset: moved[asset] for asset in balances
            }
    finally:
        for _, _, client in traders:
            client.delete("/api/orders")
