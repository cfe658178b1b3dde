"""Two server processes on one database trading the same accounts at once: no double spend, and the money adds up.

A market's writer locks its market row, so two processes placing on the same market take turns; two markets quoted
in USD do not share that lock, so only the balance row stands between a trader and spending its dollars twice. Each
round gives a new trader exactly enough for one order and sends two at once, one to each process; then random flow
from both processes on both markets, and the invariants (tests/funds_support.py) on the database read directly.
"""

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from tests.crash_support import Desk, FlowRecord
from tests.funds_support import funds_problems, read_funds
from tests.servers import ServerProcess, Trader, register_trader, serving_pair

pytestmark = pytest.mark.process

STARTING = {"USD": Decimal(10_000), "BTC": Decimal(1), "ETH": Decimal(1)}
FUNDED = {"ORDERBOOK_STARTING_BALANCES": ",".join(f"{asset}={amount}" for asset, amount in STARTING.items())}
# The random flow goes on until this many orders were acknowledged and fills seen (3-9 s of it here, on a busy machine).
FLOW_ACKS, FLOW_FILLS = 300, 30
FLOW_TRADERS = 4
# Far below any flow price, so that they rest and hold: 150 x 50.00 = 7,500 USD (+ at most 0.2% fees) fits 10,000 once.
BIG_BUY = {"side": "buy", "price": "50.00", "quantity": "150.000"}
BIG_SELL = {"side": "sell", "price": "5000.00", "quantity": "0.600"}  # 0.6 of the trader's 1 BTC or 1 ETH


@pytest.fixture(scope="module")
def pair(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with serving_pair(database_url, tmp_path_factory.mktemp("logs"), FUNDED) as servers:
        yield servers


def at_once(requests: list[tuple[str, dict]], api_key: str) -> list[httpx.Response]:
    """POST each order to its server from its own thread, released together."""
    barrier = threading.Barrier(len(requests))

    def send(request: tuple[str, dict]) -> httpx.Response:
        base_url, body = request
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30) as client:
            client.get("/api/balances").raise_for_status()  # connected and authenticated before the race
            barrier.wait()
            return client.post("/api/orders", json=body)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"symbol": "BTC-USD", **BIG_BUY}, {"symbol": "ETH-USD", **BIG_BUY}),  # the same USD, two markets' locks
        ({"symbol": "BTC-USD", **BIG_BUY}, {"symbol": "BTC-USD", **BIG_BUY}),  # the same USD, one market's lock
        ({"symbol": "BTC-USD", **BIG_SELL}, {"symbol": "BTC-USD", **BIG_SELL}),  # the same BTC
    ],
    ids=["usd-on-two-markets", "usd-on-one-market", "btc-on-one-market"],
)
@pytest.mark.parametrize("round_", range(3))
def test_funds_for_one_order_placed_on_both_processes_at_once_buy_exactly_one(
    pair: tuple[ServerProcess, ServerProcess], database_url: str, first: dict, second: dict, round_: int
) -> None:
    a, b = pair
    trader = register_trader(a.base_url)
    with trader.client:
        answers = at_once([(a.base_url, first), (b.base_url, second)], trader.api_key)
        assert sorted(answer.status_code for answer in answers) == [201, 422], [answer.text for answer in answers]
        refused = next(answer for answer in answers if answer.status_code == 422)
        assert refused.json()["detail"][0]["loc"] == ["body", "quantity"], refused.text
        assert len(trader.client.get("/api/orders").json()) == 1
    assert funds_problems(read_funds(database_url)) == []


def test_random_flow_from_both_processes_on_the_same_accounts_keeps_the_money_adding_up(
    pair: tuple[ServerProcess, ServerProcess], database_url: str
) -> None:
    a, b = pair
    with ThreadPoolExecutor(FLOW_TRADERS) as pool:
        traders: list[Trader] = list(pool.map(lambda _: register_trader(a.base_url), range(FLOW_TRADERS)))
    for trader in traders:
        trader.client.close()
    # Two desks per trader, one on each process: every account is traded from both at once.
    desks = [Desk(i, i % FLOW_TRADERS, traders[i % FLOW_TRADERS].api_key, random.Random(i)) for i in range(8)]
    record, stop = FlowRecord(), threading.Event()
    threads = [
        threading.Thread(
            target=desk.trade_until_killed, args=((a, b)[desk.desk // FLOW_TRADERS].base_url, record, stop)
        )
        for desk in desks
    ]
    for thread in threads:
        thread.start()
    record.wait_for(acks=FLOW_ACKS, fills=FLOW_FILLS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert record.unknown == 0 and record.acks
    funds = read_funds(database_url)
    assert len(funds.trades) > 0
    assert funds_problems(funds) == []
    negative = [(key, value) for key, value in funds.balances.items() if min(value) < 0]
    assert negative == []
