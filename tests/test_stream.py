"""The streaming API on a real `python main.py`: the book a program keeps from the stream equals the REST book, and
hostile clients (garbage, huge frames, floods, churn, a socket that never reads) neither take the server down nor
slow the others."""

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.client import connect
from websockets.uri import parse_uri

from tests.servers import ServerProcess, Trader, metric, register_trader
from tests.stream_support import StreamClient, crossing_flow, place, rest_levels, subscribe_book

pytestmark = [pytest.mark.process, pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module")]

BTC, ETH = "BTC-USD", "ETH-USD"


@pytest.fixture(scope="module")
def server(server_process: ServerProcess) -> ServerProcess:
    return server_process


@pytest.fixture(scope="module")
def traders(server: ServerProcess) -> Iterator[list[Trader]]:
    registered = [register_trader(server.base_url) for _ in range(3)]
    yield registered
    for trader in registered:
        trader.client.delete("/api/orders")
        trader.client.close()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[StreamClient]:
    opened = StreamClient(server.base_url)
    yield opened
    opened.close()


def test_a_local_book_from_the_stream_equals_the_rest_book_after_a_crossing_flow_from_several_traders(
    server: ServerProcess, traders: list[Trader], client: StreamClient
) -> None:
    subscribe_book(client, BTC, 100)
    with ThreadPoolExecutor(len(traders)) as pool:
        flows = [pool.submit(crossing_flow, trader, seed, 60) for seed, trader in enumerate(traders)]
        late = StreamClient(server.base_url)  # joins mid-flow, from its own snapshot
        subscribe_book(late, BTC, 100)
        for flow in flows:
            client.receive(0.01)
            flow.result()
    place(traders[0], BTC, "buy", "90.00", "0.0200")  # a visible last change: every sequence is then accounted for
    with server.client() as anonymous:
        sequence, asks, bids = rest_levels(anonymous, BTC, 100)
    for local in (client, late):
        local.read_while(lambda local=local: local.book.sequence < sequence)  # type: ignore[misc]
        assert local.book.sequence == sequence
        assert local.book.levels() == (asks, bids)
    assert client.book.updates > 50
    late.close()
    for trader in traders:
        trader.client.delete("/api/orders")


def test_garbage_frames_are_each_refused_with_a_4xx_naming_what_is_wrong_and_the_socket_stays_open(
    client: StreamClient,
) -> None:
    refused = {
        "not json": "not JSON",
        "[1, 2]": "not a JSON object",
        '{"id": 1}': "op",
        '{"op": "fly", "id": 2}': "unknown op",
        '{"op": "subscribe", "id": 3, "channel": "gossip", "market": "BTC-USD"}': "unknown channel",
        '{"op": "subscribe", "id": 4, "channel": "book", "market": "DOGE-USD"}': "unknown market",
        '{"op": "subscribe", "id": 5, "channel": "book", "market": "BTC-USD", "depth": 101}': "depth",
        '{"op": "subscribe", "id": 6, "channel": "candles", "market": "BTC-USD", "interval": "2m"}': "interval",
        '{"op": "unsubscribe", "id": 7, "channel": "trades", "market": "BTC-USD"}': "not subscribed",
        '{"op": "ping", "id": {"nested": true}}': "id",
    }
    for frame, named in refused.items():
        client.socket.send(frame)
        error = client.until(lambda message: message.get("op") == "error")
        assert 400 <= error["status"] < 500 and named in error["detail"], (frame, error)
    client.socket.send(b"\x00binary")
    assert client.until(lambda message: message.get("op") == "error")["status"] == 400
    client.send(op="ping", id="still-open")
    assert client.answer("still-open")["op"] == "pong"


def test_a_frame_over_the_size_limit_is_refused_with_413_and_the_socket_stays_open(client: StreamClient) -> None:
    client.send(op="ping", id="big", padding="x" * 100_000)
    error = client.until(lambda message: message.get("op") == "error")
    assert error["status"] == 413 and "bytes" in error["detail"]
    client.send(op="ping", id="after")
    assert client.answer("after")["op"] == "pong"


def test_a_burst_of_2000_pipelined_frames_is_within_the_frame_rate(client: StreamClient) -> None:
    for number in range(2000):
        client.send(op="ping", id=number)
    client.until(lambda message: message.get("id") == 1999, timeout=30)
    assert sum(message.get("op") == "pong" for message in client.messages) == 2000


def test_a_client_flooding_past_the_frame_rate_is_closed_with_1008(server: ServerProcess) -> None:
    flooder = StreamClient(server.base_url)
    frame = json.dumps({"op": "ping"})
    try:
        for _ in range(20_000):
            flooder.socket.send(frame)
    except ConnectionClosed:
        pass
    assert flooder.close_code(timeout=30) == 1008


def test_a_thousand_subscribe_and_unsubscribe_cycles_leave_nothing_behind_and_others_keep_their_updates(
    server: ServerProcess, traders: list[Trader], client: StreamClient
) -> None:
    subscribe_book(client, BTC, 100)
    churner = StreamClient(server.base_url)
    for cycle in range(1000):
        churner.send(op="subscribe", channel="book", market=BTC, depth=1 + cycle % 100)
        churner.send(op="unsubscribe", id=cycle, channel="book", market=BTC)
    churner.until(lambda message: message.get("id") == 999, timeout=60)
    assert sum(message.get("type") == "snapshot" for message in churner.messages) == 1000
    churner.close()
    order = place(traders[1], BTC, "sell", "123.45", "0.0100")
    update = client.until(lambda message: message.get("type") == "update" and "123.45" in message["asks"])
    assert update["asks"]["123.45"] == "0.0100"
    traders[1].client.delete(f"/api/orders/{order['id']}")
    deadline = time.monotonic() + 15
    while metric(server, "orderbook_stream_sockets") != 1:  # only `client` is left
        assert time.monotonic() < deadline, "the churned socket is still counted"
        time.sleep(0.05)


def test_a_socket_that_never_reads_is_closed_with_1013_and_freed_while_others_keep_receiving(
    server: ServerProcess, traders: list[Trader], client: StreamClient
) -> None:
    # A deep book, so that every snapshot is a few KiB: the sender's buffers fill long before the frame budget ends.
    orders = [
        {"symbol": ETH, "side": side, "price": f"{base + level / 100:.2f}", "quantity": "0.030"}
        for side, base in (("buy", 50), ("sell", 150))
        for level in range(100)
    ]
    for start in range(0, len(orders), 20):
        answer = traders[2].client.post("/api/orders/batch", json={"orders": orders[start : start + 20]})
        assert all(result["status"] == 201 for result in answer.json()), answer.text
    closed_before = metric(server, "orderbook_stream_closes_total", how="1013")
    # A raw socket with a small receive buffer, never read: websockets' own protocol object frames what it sends.
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sleeper.connect(("127.0.0.1", server.port))
    protocol = ClientProtocol(parse_uri(server.base_url.replace("http://", "ws://") + "/api/ws"), max_size=None)
    protocol.send_request(protocol.connect())
    sleeper.sendall(b"".join(protocol.data_to_send()))
    while protocol.state is State.CONNECTING:
        protocol.receive_data(sleeper.recv(4096))
    for _ in range(1900):  # each answered with a snapshot of a few KiB: far more than the socket's buffers hold
        protocol.send_text(json.dumps({"op": "subscribe", "channel": "book", "market": ETH, "depth": 100}).encode())
    sleeper.sendall(b"".join(protocol.data_to_send()))
    subscribe_book(client, BTC, 100)
    deadline = time.monotonic() + 30
    while metric(server, "orderbook_stream_closes_total", how="1013") == closed_before:
        assert time.monotonic() < deadline, "the socket that never reads is still open"
        time.sleep(0.05)
    assert metric(server, "orderbook_stream_queued_bytes") == 0
    order = place(traders[1], BTC, "sell", "123.46", "0.0100")
    client.until(lambda message: message.get("type") == "update" and "123.46" in message["asks"])
    traders[1].client.delete(f"/api/orders/{order['id']}")
    sleeper.settimeout(15)
    while protocol.close_rcvd is None and (data := sleeper.recv(1 << 16)):  # what it never read, then the close
        protocol.receive_data(data)
        protocol.events_received()
    sleeper.close()
    assert protocol.close_rcvd is not None and protocol.close_rcvd.code == 1013


def cross(traders: list[Trader], price: str) -> dict:
    """A resting sell and a buy that takes it: one trade at `price`; the taker's order."""
    place(traders[1], BTC, "sell", price, "0.0150")
    return place(traders[2], BTC, "buy", price, "0.0150")


def subscribed(client: StreamClient, channel: str, **fields: str) -> dict:
    client.send(op="subscribe", id=channel, channel=channel, market=BTC, **fields)
    assert client.answer(channel)["status"] == 200
    return client.until(lambda message: message.get("channel") == channel)


def test_the_trades_channel_sends_each_new_trade_with_its_price_quantity_and_taker_side(
    traders: list[Trader], client: StreamClient
) -> None:
    assert subscribed(client, "trades")["type"] == "snapshot"
    cross(traders, "101.11")
    update = client.until(lambda message: message.get("channel") == "trades" and message["type"] == "update")
    (trade,) = update["trades"]
    assert (trade["price"], trade["quantity"], trade["side"]) == ("101.11", "0.0150", "buy")
    (latest,) = traders[0].client.get(f"/api/markets/{BTC}/trades", params={"limit": 1}).json()
    assert trade["id"] == latest["id"]


def test_the_ticker_channel_sends_the_last_price_when_a_trade_moves_it(
    traders: list[Trader], client: StreamClient
) -> None:
    subscribed(client, "ticker")
    cross(traders, "102.22")
    ticker = client.until(lambda message: message.get("channel") == "ticker" and message["last"] == "102.22")
    assert ticker["high"] is not None and ticker["low"] is not None and ticker["volume"] != "0.0000"


def test_the_candles_channel_sends_the_open_candle_as_a_trade_changes_it(
    traders: list[Trader], client: StreamClient
) -> None:
    subscribed(client, "candles", interval="1m")
    cross(traders, "103.33")
    candle = client.until(lambda message: message.get("channel") == "candles" and message["close"] == "103.33")
    assert candle["interval"] == "1m" and candle["closed"] is False
    assert candle["high"] >= "103.33" and candle["volume"] != "0.0000"


def test_a_client_that_asks_for_permessage_deflate_gets_a_plain_socket_that_streams_the_book(
    server: ServerProcess,
) -> None:
    url = server.base_url.replace("http://", "ws://") + "/api/ws"
    with connect(url, open_timeout=10, compression="deflate") as socket:
        assert socket.protocol.extensions == []  # declined: the stream's frames are shared, never compressed
        socket.send(json.dumps({"op": "subscribe", "channel": "book", "market": BTC, "depth": 100}))
        deadline = time.monotonic() + 15
        while (message := json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic())))).get("op"):
            assert message["status"] == 200
        assert (message["channel"], message["type"]) == ("book", "snapshot")
