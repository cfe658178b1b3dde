"""A client of the streaming API for tests: a local book kept from the book channel, every checksum verified."""

import itertools
import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from app.feed.book_delta import Book, apply_delta, verified
from tests.servers import Trader


class LocalBook:
    """The book a program keeps from a snapshot and the updates after it; every step is checked."""

    def __init__(self) -> None:
        self.book: Book | None = None
        self.updates = 0

    def apply(self, message: dict[str, Any]) -> None:
        if message["type"] == "snapshot":
            self.book = {key: message[key] for key in ("sequence", "checksum", "asks", "bids")}
        else:
            assert self.book is not None, "an update before the snapshot"
            assert message["from"] == self.book["sequence"], f"gap: at {self.book['sequence']}, update {message}"
            assert message["sequence"] > message["from"], message
            self.book = apply_delta(self.book, message)
            self.updates += 1
        assert verified(self.book), f"checksum does not match after {message}"

    @property
    def sequence(self) -> int:
        return -1 if self.book is None else int(self.book["sequence"])

    def levels(self) -> tuple[list[list[str]], list[list[str]]]:
        assert self.book is not None
        return self.book["asks"], self.book["bids"]


def rest_levels(client: httpx.Client, market: str, depth: int) -> tuple[int, list[list[str]], list[list[str]]]:
    """The REST book as [price, size] texts, best first, and its sequence."""
    book = client.get(f"/api/markets/{market}/book", params={"depth": depth}).json()
    asks = [[level["price"], level["quantity"]] for level in book["asks"]]
    bids = [[level["price"], level["quantity"]] for level in book["bids"]]
    return book["sequence"], asks, bids


class StreamClient:
    """A synchronous WebSocket client of `/api/ws`; book messages are applied to `book` as they are read.

    Its library reads the socket in a thread of its own without bound (`max_queue=None`), as a program that pipelines
    frames must: otherwise it stops reading while the test sends, and the server rightly closes it (1013)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url.replace("http://", "ws://") + "/api/ws"
        self.socket: ClientConnection = connect(self.url, open_timeout=10, max_size=None, max_queue=None, legacy=True)
        self.book = LocalBook()
        self.messages: list[dict[str, Any]] = []  # everything read, in order

    def send(self, **frame: Any) -> None:
        self.socket.send(json.dumps(frame))

    def receive(self, timeout: float) -> dict[str, Any] | None:
        try:
            message = json.loads(self.socket.recv(timeout=timeout))
        except TimeoutError:
            return None
        self.messages.append(message)
        if message.get("channel") == "book" and "type" in message:
            self.book.apply(message)
        return message

    def until(self, condition: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> dict[str, Any]:
        """Read until a message meets `condition`; fails past the deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if message is not None and condition(message):
                return message
        raise AssertionError(f"no such message within {timeout} s; last read: {self.messages[-3:]}")

    def answer(self, frame_id: Any, timeout: float = 15.0) -> dict[str, Any]:
        return self.until(lambda message: message.get("id") == frame_id and "op" in message, timeout)

    def read_while(self, keep_reading: Callable[[], bool], timeout: float = 15.0) -> None:
        """Read (and apply) until `keep_reading()` is false; fails past the deadline."""
        deadline = time.monotonic() + timeout
        while keep_reading():
            assert time.monotonic() < deadline, f"still waiting after {timeout} s; last read: {self.messages[-3:]}"
            self.receive(0.05)

    def close_code(self, timeout: float = 15.0) -> int | None:
        """Read until the server closes the socket; its close code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.socket.recv(timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd is not None else None
        raise AssertionError(f"the server did not close the socket within {timeout} s")

    def close(self) -> None:
        self.socket.close()


class PrivateClient(StreamClient):
    """The tests' stream client, with a call that waits for its answer and a look at everything read so far."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.ids = itertools.count(1)

    def post(self, op: str, **fields: Any) -> int:
        """Send a frame with a fresh id, without waiting for its answer; the id."""
        ident = next(self.ids)
        self.send(op=op, id=ident, **fields)
        return ident

    def call(self, op: str, **fields: Any) -> dict:
        return self.answer(self.post(op, **fields))

    def auth(self, api_key: str, **fields: Any) -> dict:
        answer = self.call("auth", key=api_key, **fields)
        assert answer["status"] == 200, answer
        return answer

    def wait_for(self, condition: Callable[[dict], bool]) -> dict:
        """The first message read so far, or read within the deadline, for which `condition` holds."""
        return next((message for message in self.messages if condition(message)), None) or self.until(condition)

    def of_channel(self, channel: str) -> list[dict]:
        return [message for message in self.messages if message.get("channel") == channel and "op" not in message]

    def __enter__(self) -> "PrivateClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def place(trader: Trader, market: str, side: str, price: str, quantity: str) -> dict:
    body = {"symbol": market, "side": side, "price": price, "quantity": quantity}
    response = trader.client.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def subscribe_book(client: StreamClient, market: str, depth: int) -> None:
    client.send(op="subscribe", id="book", channel="book", market=market, depth=depth)
    assert client.answer("book")["status"] == 200
    client.until(lambda message: message.get("type") == "snapshot")


def crossing_flow(trader: Trader, seed: int, orders: int, market: str = "BTC-USD") -> None:
    """Limit orders around 100.00 that cross and rest, and cancels of what rested."""
    rng = random.Random(seed)
    resting: list[int] = []
    for _ in range(orders):
        if resting and rng.random() < 0.25:
            trader.client.delete(f"/api/orders/{resting.pop(rng.randrange(len(resting)))}")
            continue
        side = rng.choice(["buy", "sell"])
        price = f"{rng.randint(9_960, 10_040) / 100:.2f}"
        order = place(trader, market, side, price, f"{rng.randint(110, 500) / 10_000:.4f}")  # >= 1 USD, the minimum
        if order["status"] in ("open", "partially_filled"):
            resting.append(order["id"])
