"""The stream across instances: a subscriber on B keeps B's book equal to the REST book while orders go through A
and B on one PostgreSQL database, and a client that reconnects resyncs from a new snapshot; a dead-man socket closed
on A has its orders cancelled in B's book too; and the servers' pings.

The safety poll is set to an hour, so only the push (NOTIFY, then the journal) can explain what B streams."""

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.uri import parse_uri

from tests.servers import ServerProcess, Trader, register_trader, serving_pair
from tests.stream_support import PrivateClient, StreamClient, crossing_flow, place, rest_levels, subscribe_book

pytestmark = [pytest.mark.process, pytest.mark.parametrize("backend", ["postgresql"], indirect=True, scope="module")]

BTC = "BTC-USD"
NO_POLL = {"ORDERBOOK_POLL_INTERVAL": "3600"}
PING = 1.0  # the servers' protocol ping interval and timeout here (20 s by default)
DEAD_MAN_DEADLINE = 2.0  # s: the contract's bound for cancelling a closed socket's orders, on every instance's books


@pytest.fixture(scope="module")
def pair(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    environment = {**NO_POLL, "ORDERBOOK_WS_PING_INTERVAL": str(PING)}
    with serving_pair(database_url, tmp_path_factory.mktemp("logs"), environment) as servers:
        yield servers


def on(server: ServerProcess, trader: Trader) -> Trader:
    """The same trader, talking to `server`."""
    client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {trader.api_key}"}, timeout=20)
    return Trader(trader.username, trader.api_key, client)


def test_a_book_streamed_by_b_equals_the_rest_book_after_a_crossing_flow_through_a_and_b(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    a, b = pair
    registered = [register_trader(a.base_url) for _ in range(3)]
    traders = [registered[0], registered[1], on(b, registered[2])]
    stream = StreamClient(b.base_url)
    subscribe_book(stream, BTC, 100)
    with ThreadPoolExecutor(len(traders)) as pool:
        flows = [pool.submit(crossing_flow, trader, 100 + seed, 40) for seed, trader in enumerate(traders)]
        for flow in flows:
            flow.result()
    place(traders[0], BTC, "buy", "90.00", "0.0200")  # through A, and visible: B's stream must reach its sequence
    with a.client() as anonymous:
        sequence, asks, bids = rest_levels(anonymous, BTC, 100)
    stream.read_while(lambda: stream.book.sequence < sequence)
    assert stream.book.sequence == sequence
    assert stream.book.levels() == (asks, bids)
    assert stream.book.updates > 30
    stream.close()
    again = StreamClient(b.base_url)  # a reconnecting client starts over from a snapshot
    subscribe_book(again, BTC, 100)
    assert again.book.sequence == sequence and again.book.levels() == (asks, bids)
    again.close()
    for trader in (*registered, traders[2]):
        trader.client.delete("/api/orders")
        trader.client.close()


def test_a_socket_that_does_not_answer_the_servers_pings_is_closed(pair: tuple[ServerProcess, ServerProcess]) -> None:
    _a, b = pair
    # A raw socket whose protocol object would answer each ping, but whose answers are never sent.
    silent = socket.create_connection(("127.0.0.1", b.port), timeout=10)
    protocol = ClientProtocol(parse_uri(b.base_url.replace("http://", "ws://") + "/api/ws"))
    protocol.send_request(protocol.connect())
    silent.sendall(b"".join(protocol.data_to_send()))
    started = time.monotonic()
    while protocol.state is State.CONNECTING:
        protocol.receive_data(silent.recv(4096))
    silent.settimeout(10)
    while protocol.close_rcvd is None and (data := silent.recv(4096)):
        protocol.receive_data(data)
        protocol.events_received()
    silent.close()
    assert protocol.close_rcvd is not None and protocol.close_rcvd.code == 1011
    assert time.monotonic() - started < 10 * PING


def test_a_dead_man_socket_closed_on_a_has_its_orders_cancelled_in_bs_book_within_2_s(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    a, b = pair
    trader = register_trader(a.base_url)
    on_b = on(b, trader)
    watcher = StreamClient(b.base_url)  # B's book, as B streams it (pushed: B's safety poll is an hour)
    subscribe_book(watcher, BTC, 100)
    prices = ["2.01", "2.02", "2.03"]  # far below the market: they rest, and only these traders' orders are there
    with PrivateClient(a.base_url) as dead_man:
        dead_man.auth(trader.api_key, cancel_on_disconnect=True)
        placed = [dead_man.call("place", order={"symbol": BTC, "side": "buy", "price": price, "quantity": "1.0000"})
                  for price in prices]  # fmt: skip
        assert [answer["status"] for answer in placed] == [201, 201, 201], placed
        watcher.read_while(lambda: not all(price in dict(watcher.book.levels()[1]) for price in prices))
    closed = time.monotonic()

    watcher.read_while(lambda: any(price in dict(watcher.book.levels()[1]) for price in prices), DEAD_MAN_DEADLINE)
    cancelled_in_b = time.monotonic() - closed
    with b.client() as anonymous:
        _sequence, _asks, bids = rest_levels(anonymous, BTC, 100)
    statuses = {on_b.client.get(f"/api/orders/{answer['order']['id']}").json()["status"] for answer in placed}
    watcher.close()
    on_b.client.close()
    trader.client.close()
    assert cancelled_in_b <= DEAD_MAN_DEADLINE
    assert not any(price in dict(bids) for price in prices)
    assert statuses == {"cancelled"}
