"""The stream's ops: a registry of handlers by name, and the answers and errors every op shares.

A client frame is one JSON object with an `"op"`; the handler registered for that name gets the connection and the
frame. A frame that carries an `"id"` is answered with the same `"id"`. Bad input is answered with an error (the
socket stays open) and changes nothing: `{"op": "error", "id"?, "status": 4xx, "detail": "..."}`.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.errors import ServiceError

if TYPE_CHECKING:
    from app.stream.connection import StreamConnection

log = logging.getLogger("orderbook.stream")

Handler = Callable[["StreamConnection", dict], Awaitable[None]]


@dataclass(frozen=True)
class Op:
    """An op a client may send: its handler, and what the AsyncAPI document says of it."""

    name: str
    handler: Handler
    summary: str = ""
    fields: dict[str, Any] = field(default_factory=dict)  # JSON schema of the frame's own fields (besides op, id)
    answer: dict[str, Any] = field(default_factory=dict)  # JSON schema of the answer's own fields


OPS: dict[str, Op] = {}


def register_op(
    name: str, *, summary: str = "", fields: dict[str, Any] | None = None, answer: dict[str, Any] | None = None
) -> Callable[[Handler], Handler]:
    """Decorator: `handler(conn, frame)` answers each frame whose op is `name` (a name registered again is replaced)."""

    def register(handler: Handler) -> Handler:
        OPS[name] = Op(name, handler, summary or (handler.__doc__ or "").strip(), fields or {}, answer or {})
        return handler

    return register


def _with_id(frame: dict | None, message: dict) -> dict:
    if frame is not None and "id" in frame:
        message["id"] = frame["id"]
    return message


async def answer(conn: "StreamConnection", frame: dict, **fields: Any) -> None:
    """Answer `frame`: its op and its id (if it had one), then `fields`."""
    await conn.send(_with_id(frame, {"op": frame.get("op"), **fields}))


async def error(conn: "StreamConnection", frame: dict | None, status: int, detail: str) -> None:
    """Refuse `frame` (None when it could not be read at all): the socket stays open, nothing changed."""
    await conn.send(_with_id(frame, {"op": "error", "status": status, "detail": detail}))


def _ids_ok(frame: dict) -> bool:
    ident = frame.get("id")
    return ident is None or (isinstance(ident, str | int) and not isinstance(ident, bool) and len(str(ident)) <= 64)


async def dispatch(conn: "StreamConnection", text: str) -> None:
    """Read one text frame and run its op; every refusal names what is wrong."""
    try:
        frame = json.loads(text)
    except ValueError:
        await error(conn, None, 400, "the frame is not JSON: send one JSON object per text frame")
        return
    if not isinstance(frame, dict):
        await error(conn, None, 400, 'the frame is not a JSON object: send {"op": ...}')
        return
    if not _ids_ok(frame):
        frame.pop("id", None)
        await error(conn, frame, 400, "id: must be a string or an integer of at most 64 characters")
        return
    name = frame.get("op")
    op = OPS.get(name) if isinstance(name, str) else None
    if op is None:
        known = ", ".join(sorted(OPS))
        await error(conn, frame, 400, f"op: unknown op {name!r}; the ops are {known}")
        return
    try:
        await op.handler(conn, frame)
    except ServiceError as refused:
        await error(conn, frame, refused.status_code, refused.message)
    except Exception:
        log.exception("stream op %s failed", name)
        await error(conn, frame, 500, "internal error; nothing was changed")


@register_op("ping", summary="Ask for a pong: an application-level keepalive (the server also sends protocol pings).")
async def ping(conn: "StreamConnection", frame: dict) -> None:
    await conn.send(_with_id(frame, {"op": "pong"}))
