"""Two server processes trading both markets for the same traders at once: the shared USD rows stay right.

BTC-USD and ETH-USD writers in two processes lock the same balance rows (every trader's USD); on PostgreSQL they may
deadlock, which the writer must absorb by running the batch again. No order may fail for it, and afterwards the
money invariants hold and, with everything cancelled, nothing is held.
"""

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.funds import check_invariants
from tests.servers import ServerProcess, Trader, register_trader, serving_pair

pytestmark = pytest.mark.process

ORDERS_PER_TRADER = 60
PRICES = {"BTC-USD": ("100.00", "0.0100"), "ETH-USD": ("50.00", "0.100")}


@pytest.fixture(scope="module")
def pair(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with serving_pair(database_url, tmp_path_factory.mktemp("logs")) as servers:
        yield servers


def trade(trader: Trader, servers: tuple[ServerProcess, ServerProcess], seed: int) -> list[int]:
    """Crossing orders on both markets through both processes; the status of every answer."""
    rng = random.Random(seed)
    statuses = []
    for _ in range(ORDERS_PER_TRADER):
        symbol = rng.choice(list(PRICES))
        price, quantity = PRICES[symbol]
        server = rng.choice(servers)
        body = {"symbol": symbol, "side": rng.choice(("buy", "sell")), "price": price, "quantity": quantity}
        answer = trader.client.post(f"{server.base_url}/api/orders", json=body)
        statuses.append(answer.status_code)
    return statuses


def test_two_processes_trading_both_markets_for_the_same_traders_keep_the_money_right(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    traders = [register_trader(pair[0].base_url) for _ in range(4)]
    with ThreadPoolExecutor(len(traders)) as pool:
        statuses = [s for done in pool.map(trade, traders, [pair] * len(traders), range(len(traders))) for s in done]
    assert statuses.count(201) == len(statuses), sorted(set(statuses))
    check_invariants(pair[0].database_url)
    for trader in traders:
        assert trader.client.delete(f"{pair[1].base_url}/api/orders").status_code == 200
    balances = check_invariants(pair[0].database_url)
    assert all(held == 0 for _, held in balances.values())
