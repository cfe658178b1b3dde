"""The database is the source of truth: state survives a restart, and two processes on one database agree."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import ServerProcess, Trader, register_trader

pytestmark = pytest.mark.process

Connect = Callable[[ServerProcess, Trader], httpx.Client]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Clients that use a trader's API key on any server; all closed after the test."""
    clients: list[httpx.Client] = []

    def open_client(server: ServerProcess, trader: Trader) -> httpx.Client:
        headers = {"Authorization": f"Bearer {trader.api_key}"}
        if trader.client not in clients:
            clients.append(trader.client)
        clients.append(httpx.Client(base_url=server.base_url, headers=headers, timeout=30))
        return clients[-1]

    yield open_client
    for client in clients:
        client.close()


def start_all(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.launch()
    for server in servers:
        server.wait_until_healthy()


def stop_and_check(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.stop()
    for server in servers:
        server.assert_clean_log()


@pytest.fixture(scope="module")
def two_servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerProcess]]:
    """Two `python main.py` processes on one database, shared by the module's tests."""
    logs = tmp_path_factory.mktemp("logs")
    servers = [ServerProcess(database_url, logs / f"server-{name}.log") for name in "ab"]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        stop_and_check(servers)


@dataclass
class Restarted:
    """What the API showed before a restart and right after it, and the server now running."""

    before: dict[str, Any]
    after: dict[str, Any]
    server: ServerProcess
    traders: list[Trader]
    resting: dict[str, Any]


@pytest.fixture(scope="module")
def restarted(new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restarted]:
    """Orders, fills, a reduction and cancellations through one process, then the same database in a new one."""
    url, logs = new_database_url(), tmp_path_factory.mktemp("logs")
    first, second = ServerProcess(url, logs / "first.log"), ServerProcess(url, logs / "second.log")
    clients: list[httpx.Client] = []
    try:
        first.start()
        alice, bob = register_trader(first.base_url), register_trader(first.base_url)
        clients += [alice.client, bob.client]
        resting = place(alice.client, "sell", "100.00", "0.5")
        reduced = place(alice.client, "sell", "101.00", "0.4")
        assert alice.client.patch(f"/api/orders/{reduced['id']}", json={"quantity": "0.1"}).status_code == 200
        place(bob.client, "buy", "100.00", "0.3")
        place(bob.client, "buy", "95.00", "0.2")
        cancelled = place(bob.client, "buy", "90.00", "0.2")
        assert bob.client.delete(f"/api/orders/{cancelled['id']}").status_code == 200
        place(bob.client, "sell", "3000.00", "0.5", symbol="ETH-USD")
        before = snapshot([alice.client, bob.client])
        first.stop()

        second.start()
        for registered in (alice, bob):
            headers = {"Authorization": f"Bearer {registered.api_key}"}
            clients.append(httpx.Client(base_url=second.base_url, headers=headers, timeout=30))
        after = snapshot(clients[2:])
        yield Restarted(before, after, second, [alice, bob], resting)
    finally:
        for client in clients:
            client.close()
        stop_and_check([first, second])


def place(client: httpx.Client, side: str, price: str, quantity: str, **extra: Any) -> dict[str, Any]:
    body = {"symbol": "BTC-USD", "side": side, "price": price, "quantity": quantity, **extra}
    response = client.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def get(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def book(client: httpx.Client, symbol: str = "BTC-USD") -> dict[str, Any]:
    return get(client, f"/api/markets/{symbol}/book", depth=500)


def snapshot(clients: list[httpx.Client]) -> dict[str, Any]:
    """Everything the API shows about the markets and the traders behind `clients`."""
    symbols = ["BTC-USD", "ETH-USD"]
    return {
        "books": [book(clients[0], symbol) for symbol in symbols],
        "trades": [get(clients[0], f"/api/markets/{symbol}/trades", limit=500) for symbol in symbols],
        "orders": [get(client, "/api/orders", status="all", limit=500) for client in clients],
    }


def quantity_sum(items: list[dict[str, Any]], key: str = "quantity") -> Decimal:
    return sum((Decimal(item[key]) for item in items), Decimal(0))


def test_resting_orders_fills_and_trades_survive_a_restart(restarted: Restarted) -> None:
    assert restarted.after == restarted.before
    assert len(restarted.after["trades"][0]) == 1
    assert restarted.after["books"][0]["asks"][0] == {"price": "100.00", "quantity": "0.2000", "orders": 1}


def test_a_resting_order_from_before_a_restart_still_matches_after_it(restarted: Restarted, connect: Connect) -> None:
    alice, bob_trader = restarted.traders
    bob = connect(restarted.server, bob_trader)
    taker = place(bob, "buy", "100.00", "0.1")
    assert (taker["status"], [t["price"] for t in taker["trades"]]) == ("filled", ["100.00"])
    maker = get(connect(restarted.server, alice), f"/api/orders/{restarted.resting['id']}")
    assert (maker["status"], maker["filled_quantity"]) == ("partially_filled", "0.4000")
    assert book(bob)["asks"][0] == {"price": "100.00", "quantity": "0.1000", "orders": 1}


def test_two_processes_starting_together_on_a_new_database_both_serve_the_default_markets(
    new_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = new_database_url()
    servers = [ServerProcess(url, tmp_path / f"server-{name}.log") for name in "ab"]
    try:
        start_all(servers)
        for server in servers:
            markets = httpx.get(f"{server.base_url}/api/markets", timeout=10).json()
            assert sorted(market["symbol"] for market in markets) == ["BTC-USD", "ETH-USD"]
    finally:
        stop_and_check(servers)


def test_an_order_placed_through_one_process_is_in_the_other_processes_book(
    two_servers: list[ServerProcess], connect: Connect
) -> None:
    a, b = two_servers
    alice = register_trader(a.base_url)
    through_a, through_b = connect(a, alice), connect(b, alice)
    book(through_b, "ETH-USD")  # let B cache the book before it changes elsewhere
    order = place(through_a, "buy", "2000.00", "0.5", symbol="ETH-USD")
    assert book(through_b, "ETH-USD") == book(through_a, "ETH-USD")
    assert book(through_b, "ETH-USD")["bids"] == [{"price": "2000.00", "quantity": "0.500", "orders": 1}]
    assert through_b.delete(f"/api/orders/{order['id']}").status_code == 200
    assert book(through_a, "ETH-USD") == book(through_b, "ETH-USD")
    assert book(through_a, "ETH-USD")["bids"] == []


def test_an_order_resting_through_one_process_matches_an_order_placed_through_the_other(
    two_servers: list[ServerProcess], connect: Connect
) -> None:
    a, b = two_servers
    maker_trader, taker_trader = register_trader(a.base_url), register_trader(b.base_url)
    book(connect(b, taker_trader), "ETH-USD")
    maker = place(connect(a, maker_trader), "sell", "2100.00", "0.3", symbol="ETH-USD")
    taker = place(connect(b, taker_trader), "buy", "2100.00", "0.1", symbol="ETH-USD")
    assert (taker["status"], [t["price"] for t in taker["trades"]]) == ("filled", ["2100.00"])
    maker = get(connect(a, maker_trader), f"/api/orders/{maker['id']}")
    assert (maker["status"], maker["filled_quantity"]) == ("partially_filled", "0.100")
    assert connect(b, maker_trader).delete("/api/orders").status_code == 200


MAKER_ORDERS = 40
TAKER_ORDERS = 60


def test_two_processes_matching_concurrently_never_fill_an_order_twice(
    two_servers: list[ServerProcess], connect: Connect
) -> None:
    a, b = two_servers
    maker_trader = register_trader(a.base_url)
    takers = [register_trader(a.base_url), register_trader(b.base_url)]
    maker_client = connect(a, maker_trader)
    taker_clients = [connect(server, taker) for taker in takers for server in (a, b)]
    trades_before = {t["id"] for t in get(maker_client, "/api/markets/BTC-USD/trades", limit=500)}
    book(taker_clients[1])  # B caches the book before the makers arrive through A
    makers = [place(maker_client, "sell", "100.00", "0.0200") for _ in range(MAKER_ORDERS)]
    resting = quantity_sum(makers)

    def buy(index: int) -> httpx.Response:
        client = taker_clients[index % len(taker_clients)]
        body = {"symbol": "BTC-USD", "side": "buy", "price": "100.00", "quantity": "0.0300", "time_in_force": "IOC"}
        return client.post("/api/orders", json=body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(buy, range(TAKER_ORDERS)))
    assert [r.status_code for r in responses] == [201] * TAKER_ORDERS, [r.text for r in responses if r.is_error]
    bought = [r.json() for r in responses]

    makers = [get(maker_client, f"/api/orders/{m['id']}") for m in makers]
    for order in [*makers, *bought]:
        assert Decimal(order["filled_quantity"]) == quantity_sum(order["trades"]), order
        assert Decimal(order["filled_quantity"]) <= Decimal(order["quantity"]), order
    assert all(m["status"] == "filled" for m in makers)
    assert quantity_sum(bought, "filled_quantity") == quantity_sum(makers, "filled_quantity") == resting

    maker_fills = {t["id"] for m in makers for t in m["trades"]}
    taker_fills = [t["id"] for o in bought for t in o["trades"]]
    assert len(taker_fills) == len(set(taker_fills)) and set(taker_fills) == maker_fills
    for client in taker_clients[:2]:
        tape = [t for t in get(client, "/api/markets/BTC-USD/trades", limit=500) if t["id"] not in trades_before]
        assert {t["id"] for t in tape} == maker_fills
        assert quantity_sum(tape) == resting
    assert book(taker_clients[0]) == book(taker_clients[1])
    assert book(taker_clients[0])["asks"] == []
