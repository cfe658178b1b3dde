"""The stream's messages as WebSocket frames, made once and written straight to each subscriber's transport.

A server's frames are not masked (RFC 6455, 5.1), so one message is the same bytes on every socket: a market's hub
hands one text to its thousand subscribers, and it is framed once here, not once per socket by the ASGI server.
The frames are never compressed, even on a socket that negotiated permessage-deflate: a message may be sent
uncompressed on such a socket (RSV1 clear, RFC 7692, 6), and compressing per socket would undo the sharing (each
socket's compressor has its own context) and cost most of the server's time per subscriber.

`RawSocket` is the way past the ASGI server's send for uvicorn's websockets-sansio protocol (the one `app/server.py`
configures): its transport and its flow control. Any other server, or a socket past its close, gets None, and the
connection sends through ASGI as before.
"""

import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

_SHORT = struct.Struct("!BB")
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")
_FIN_TEXT = 0x81  # FIN, opcode 1 (text), RSV1 clear: not compressed

# The last texts framed, by identity: a hub puts one text object on every subscriber's queue in a row.
_recent: dict[int, tuple[str, bytes]] = {}
_RECENT = 8


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented, uncompressed text frame carrying `text`."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return _SHORT.pack(_FIN_TEXT, size) + payload
    if size < 65536:
        return _MEDIUM.pack(_FIN_TEXT, 126, size) + payload
    return _LONG.pack(_FIN_TEXT, 127, size) + payload


def shared_frame(text: str) -> bytes:
    """`text_frame(text)`, made once for a text handed to many sockets in a row."""
    key = id(text)
    cached = _recent.get(key)
    if cached is not None and cached[0] is text:
        return cached[1]
    frame = text_frame(text)
    if len(_recent) >= _RECENT:
        _recent.pop(next(iter(_recent)))
    _recent[key] = (text, frame)
    return frame


class RawSocket:
    """An accepted socket's transport under uvicorn's websockets-sansio protocol: whole frames written to it."""

    __slots__ = ("protocol", "transport", "writable")

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        self.writable = protocol.writable  # cleared by the transport past its high-water mark, set below the low

    @staticmethod
    def of(send: Any) -> "RawSocket | None":
        """The raw socket behind an ASGI `send`, when it is uvicorn's websockets-sansio protocol's own."""
        protocol = getattr(send, "__self__", None)
        if type(protocol) is not WebSocketsSansIOProtocol or not protocol.handshake_complete:
            return None
        return RawSocket(protocol)

    @property
    def open(self) -> bool:
        """Frames may still be written: no close frame sent or received, the connection not lost."""
        protocol = self.protocol
        return (
            not protocol.close_sent
            and not protocol.disconnected
            and protocol.conn.state is State.OPEN
            and not self.transport.is_closing()
        )

    def write(self, frames: bytes) -> None:
        self.transport.write(frames)


def decline_compression(send: Any) -> None:
    """Before `accept`: answer the handshake without permessage-deflate, even if the client asked for it.

    uvicorn negotiates it for every websocket of the server (`ws_per_message_deflate`, on for the pages' sockets);
    the stream never compresses what it sends (above), so on its sockets it would only cost the server a compressor
    and a decompressor each (about 34 KiB a socket) and the client's frames their inflating. A client that asked for
    it gets a plain socket: the extension is optional (RFC 7692, 5)."""
    protocol = getattr(send, "__self__", None)
    if type(protocol) is not WebSocketsSansIOProtocol or protocol.handshake_complete:
        return
    response = getattr(protocol, "response", None)
    if response is None or "Sec-WebSocket-Extensions" not in response.headers:
        return
    del response.headers["Sec-WebSocket-Extensions"]
    protocol.conn.extensions = []
