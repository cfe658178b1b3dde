"""A test's client of the streaming API: one WebSocket, every message kept, waits on a condition with a deadline."""

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

WAIT = 10.0  # s: the longest a test waits for a message it expects


def stream_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/api/ws"


class StreamClient:
    """Sends frames, and keeps every message the server sent (read by a thread of its own) for the test to look at."""

    def __init__(self, base_url: str) -> None:
        self.exits = contextlib.ExitStack()
        self.socket: ClientConnection = self.exits.enter_context(
            connect(stream_url(base_url), max_size=None, open_timeout=WAIT)
        )
        self.messages: list[dict] = []
        self.arrived = threading.Condition()
        self.ids = itertools.count(1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            for text in self.socket:
                with self.arrived:
                    self.messages.append(json.loads(text))
                    self.arrived.notify_all()
        except ConnectionClosed:
            pass

    def send(self, op: str, **fields: Any) -> int:
        """Send one frame with a fresh id; returns the id."""
        ident = next(self.ids)
        self.socket.send(json.dumps({"op": op, "id": ident, **fields}))
        return ident

    def wait_for(self, condition: Callable[[dict], bool], timeout: float = WAIT) -> dict:
        """The first message kept so far or arriving within `timeout` s for which `condition` holds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for message in self.messages:
                    if condition(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such message within {timeout} s; got {self.messages[-5:]}")
                self.arrived.wait(left)

    def call(self, op: str, **fields: Any) -> dict:
        """Send a frame and wait for its answer."""
        ident = self.send(op, **fields)
        return self.wait_for(lambda message: message.get("id") == ident)

    def auth(self, api_key: str, **fields: Any) -> dict:
        answer = self.call("auth", key=api_key, **fields)
        assert answer["status"] == 200, answer
        return answer

    def of_channel(self, channel: str) -> list[dict]:
        with self.arrived:
            return [message for message in self.messages if message.get("channel") == channel and "op" not in message]

    def close(self) -> None:
        self.exits.close()
        self.reader.join(WAIT)

    def __enter__(self) -> "StreamClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
