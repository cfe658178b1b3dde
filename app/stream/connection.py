"""One client's socket: what it is sent (a bounded queue, drained by a writer of its own), what it may send, its end.

Messages are queued, never awaited by whoever publishes them: a market's hub hands one text to every subscriber's
queue and moves on, so a slow client never slows the others. A client that falls behind by more than
MAX_QUEUED_MESSAGES or MAX_QUEUED_BYTES is closed with 1013 and its queue freed at once; one that sends more frames
than its budget (a token bucket: `stream_frame_burst` at once, refilled at `stream_frame_rate` a second) with 1008.
"""

import asyncio
import contextlib
import inspect
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from app.observability.metrics import STREAM_CLOSES, STREAM_QUEUED_BYTES, STREAM_SOCKETS
from app.stream import protocol
from app.stream.frames import RawSocket, shared_frame

if TYPE_CHECKING:
    from app.services import Services

log = logging.getLogger("orderbook.stream")

MAX_QUEUED_MESSAGES = 1000
MAX_QUEUED_BYTES = 1024 * 1024
MAX_FRAME_BYTES = 64 * 1024  # a client frame larger than this is refused (413); uvicorn closes past 16 MiB (1009)
CLOSE_WAIT = 10.0  # how long the close frame may wait behind what the client has not read yet

# Close codes (RFC 6455): what each means here is in docs/streaming.md.
NORMAL = 1000
GOING_AWAY = 1001
POLICY = 1008  # over the frame rate
TRY_AGAIN_LATER = 1013  # too far behind: its queue overflowed

CloseHook = Callable[["StreamConnection"], Awaitable[None] | None]

OPEN: set["StreamConnection"] = set()  # the sockets being served, counted when /metrics is read
STREAM_SOCKETS.set_function(lambda: len(OPEN))
STREAM_QUEUED_BYTES.set_function(lambda: sum(conn.queued_bytes for conn in list(OPEN)))


def dumps(message: dict) -> str:
    """The stream's JSON: compact; Decimal never reaches here (money is already text)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


class StreamConnection:
    """One accepted WebSocket: `send` queues, a writer task drains; `close` ends it and frees what it held."""

    def __init__(self, websocket: WebSocket, services: "Services") -> None:
        self.websocket = websocket
        self.services = services
        self.trader: int | None = None  # set by the private side's auth op
        self.on_close: list[CloseHook] = []  # run once the socket has ended, whatever ended it
        client = websocket.client
        self.address = client.host if client is not None else ""
        # Open subscriptions: (channel, market or None) -> what stops it.
        self.subscriptions: dict[tuple[str, str | None], Callable[[], None]] = {}
        self.state: dict[str, Any] = {}  # what an extension keeps per connection
        settings = services.settings
        self.frame_rate = float(settings.stream_frame_rate)
        self.frame_burst = float(settings.stream_frame_burst)
        self._tokens = self.frame_burst
        self._refilled = time.monotonic()
        self._queue: deque[str] = deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._done = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        self._disconnected = False
        self._tasks: set[asyncio.Task] = set()
        self._raw: RawSocket | None = None  # the transport, once accepted under uvicorn's websockets-sansio
        self.closed = False

    # What the rest of the stream calls.

    async def send(self, message: dict | str) -> None:
        """Queue one message; a `str` is JSON text already made (one text shared by every subscriber of a channel)."""
        self.put(message)

    def put(self, message: dict | str) -> None:
        """`send` without awaiting (for hubs handing one text to many queues)."""
        if self._closing is not None:
            return
        text = message if isinstance(message, str) else dumps(message)
        raw = self._raw
        if raw is not None and not self._queue and raw.writable.is_set():
            # Nothing waits and the transport takes more: written now, one shared frame, no task woken.
            if raw.open:
                raw.write(shared_frame(text))
            return  # a socket past its close: the reader sees its end
        self._queue.append(text)
        self._queued_bytes += len(text)
        if len(self._queue) > MAX_QUEUED_MESSAGES or self._queued_bytes > MAX_QUEUED_BYTES:
            self.close(TRY_AGAIN_LATER, f"too far behind: over {MAX_QUEUED_MESSAGES} messages or 1 MiB unread")
            return
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        """End the socket with `code`: what is queued is dropped at once, then the close frame is sent."""
        if self._closing is not None:
            return
        self._closing = (code, reason)
        self._drop_queue()
        self._done.set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` beside the reading (e.g. an order waiting for its batch), cancelled if the socket ends first."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    # The socket's life.

    async def serve(self) -> None:
        """Read and write until the client leaves or `close` is called; then free everything."""
        OPEN.add(self)
        self._raw = RawSocket.of(getattr(self.websocket, "_send", None))
        reader = asyncio.create_task(self._read(), name="stream reader")
        writer = asyncio.create_task(self._write(), name="stream writer")
        try:
            await self._done.wait()
        finally:
            for task in (reader, writer, *self._tasks):
                task.cancel()
            await asyncio.gather(reader, writer, *self._tasks, return_exceptions=True)
            self._drop_queue()
            OPEN.discard(self)
            STREAM_CLOSES.labels("client" if self._disconnected else str((self._closing or (NORMAL, ""))[0])).inc()
            await self._ended()  # subscriptions and close hooks (e.g. cancel on disconnect) do not wait for the frame
            await self._send_close()

    async def _read(self) -> None:
        try:
            while self._closing is None:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if not self._take_token():
                    self.close(
                        POLICY, f"over the frame rate: {self.frame_rate:g} a second, {self.frame_burst:g} at once"
                    )
                    break
                if text is None:
                    await protocol.error(self, None, 400, "binary frame: send JSON as text frames")
                elif len(text) > MAX_FRAME_BYTES:
                    await protocol.error(self, None, 413, f"frame over {MAX_FRAME_BYTES} bytes")
                else:
                    await protocol.dispatch(self, text)
                if self._queue:
                    # Let the writer hand the answers on before the next frame: uvicorn's receive returns at once
                    # while frames are buffered, so a pipelined burst would otherwise queue every answer first.
                    await asyncio.sleep(0)
        except (WebSocketDisconnect, OSError, RuntimeError):
            pass
        self._disconnected = self._closing is None
        self._done.set()

    async def _write(self) -> None:
        send = self.websocket.send
        queue = self._queue
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while queue:
                    raw = self._raw
                    if raw is not None:
                        await self._write_raw(raw)
                        continue
                    text = queue.popleft()
                    self._queued_bytes -= len(text)
                    await send({"type": "websocket.send", "text": text})
        except (WebSocketDisconnect, OSError, RuntimeError):  # the client went away mid-send
            self._disconnected = True
            self._done.set()
        except Exception:  # uvicorn's ClientDisconnected is an OSError; anything else is logged, not leaked
            log.exception("stream writer failed")
            self._done.set()

    async def _write_raw(self, raw: RawSocket) -> None:
        """Once the transport takes more (it was past its high-water mark), all that waits in one write."""
        await raw.writable.wait()
        queue = self._queue
        if not raw.open:
            self._drop_queue()  # the client is gone or closing: the reader sees its end
            return
        frames = [shared_frame(text) for text in queue]
        self._drop_queue()
        raw.write(b"".join(frames))

    def _take_token(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.frame_burst, self._tokens + (now - self._refilled) * self.frame_rate)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def _drop_queue(self) -> None:
        self._queue.clear()
        self._queued_bytes = 0

    async def _send_close(self) -> None:
        if self._disconnected:
            return
        code, reason = self._closing or (NORMAL, "")
        with contextlib.suppress(Exception):
            # The close frame waits behind what the transport still holds; a client that never reads gets the rest
            # of its socket's life freed by uvicorn's keepalive.
            await asyncio.wait_for(self.websocket.close(code, reason[:120]), CLOSE_WAIT)

    async def _ended(self) -> None:
        self.closed = True
        subscriptions = list(self.subscriptions.values())
        self.subscriptions.clear()
        for stop in subscriptions:
            try:
                stop()
            except Exception:
                log.exception("stream unsubscribe failed")
        hooks = list(self.on_close)
        self.on_close.clear()
        for hook in hooks:
            try:
                result = hook(self)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("stream close hook failed")
