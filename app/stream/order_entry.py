"""Order entry over the stream: each op is answered by the REST route it mirrors, called in this process.

`place`, `cancel`, `cancel_all` and `amend` are `POST /api/orders`, `DELETE /api/orders/{id}`, `DELETE /api/orders`
and `PATCH /api/orders/{id}`, handed to the app as ASGI requests that never touched a socket, carrying the socket's
trader, authenticated once (`CALLER_SCOPE_KEY`, app/accounts/api_keys.py). So the statuses, bodies, validation,
idempotent client ids, funds, fees and throttles are the routes' own, by construction: there is no second copy of any
of them to drift.
What the stream saves is the HTTP stack (parsing, the connection, the per-request key lookup), not the route's work.
"""

import json
import logging
from typing import Any
from urllib.parse import quote, unquote

from starlette.types import ASGIApp, Message

from app.accounts.api_keys import CALLER_SCOPE_KEY
from app.accounts.service import Caller

log = logging.getLogger("orderbook.stream")

ORDERS_PATH = "/api/orders"
_JSON_HEADERS = [(b"content-type", b"application/json")]


class RestAnswer:
    """A route's answer: its status and its JSON body as sent (bytes), parsed only on demand."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed; a body that is not JSON (none of the API's answers) as its text."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return self.body.decode(errors="replace")


async def call_route(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    trader: Caller,
    client: tuple[str, int] | None,
    body: bytes | None = None,
    query: str = "",
) -> RestAnswer:
    """What the app answers `method path?query` with `body` for `trader`, as an HTTP client would receive it."""
    headers = list(_JSON_HEADERS)
    if body is not None:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": client,
        "server": None,
        "state": {},
        CALLER_SCOPE_KEY: trader,
    }
    sent_body = [body or b""]
    status = 500
    chunks: list[bytes] = []

    async def receive() -> Message:
        if sent_body:
            return {"type": "http.request", "body": sent_body.pop(), "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:  # the app's server-error middleware answered 500 (in plain text) and re-raised: logged there
        return RestAnswer(500, b'{"detail":"Internal Server Error"}')
    return RestAnswer(status, b"".join(chunks))


def order_path(order_id: Any) -> str | None:
    """`/api/orders/{order_id}` with the id as a path would carry it (a JSON number as its digits, any other value as
    its JSON text): the route then answers as REST does (a 422 naming `order_id` when it is not an id). None for an
    empty id, which no REST path can carry."""
    if isinstance(order_id, int) and not isinstance(order_id, bool):
        text = str(order_id)
    else:
        text = order_id if isinstance(order_id, str) else json.dumps(order_id)
    if not text:
        return None
    return f"{ORDERS_PATH}/{quote(text, safe='')}"


def query_of(**params: Any) -> str:
    """A query string of the given parameters, the absent (None) ones left out."""
    return "&".join(f"{name}={quote(str(value), safe='')}" for name, value in params.items() if value is not None)


async def place(app: ASGIApp, trader: Caller, client: tuple[str, int] | None, order: Any) -> RestAnswer:
    """`POST /api/orders` with `order` as its JSON body."""
    body = json.dumps(order, separators=(",", ":")).encode()
    return await call_route(app, "POST", ORDERS_PATH, trader=trader, client=client, body=body)


async def cancel(app: ASGIApp, trader: Caller, client: tuple[str, int] | None, order_id: Any) -> RestAnswer:
    """`DELETE /api/orders/{order_id}`."""
    path = order_path(order_id)
    if path is None:
        return not_an_order_id()
    return await call_route(app, "DELETE", path, trader=trader, client=client)


async def cancel_all(app: ASGIApp, trader: Caller, client: tuple[str, int] | None, market: Any) -> RestAnswer:
    """`DELETE /api/orders?symbol=market` (every market when `market` is absent)."""
    if market is not None and not isinstance(market, str):
        detail = [{"type": "string_type", "loc": ["market"], "msg": "Input should be a valid string", "input": market}]
        return RestAnswer(422, json.dumps({"detail": detail}).encode())
    return await call_route(app, "DELETE", ORDERS_PATH, trader=trader, client=client, query=query_of(symbol=market))


async def amend(
    app: ASGIApp, trader: Caller, client: tuple[str, int] | None, order_id: Any, changes: dict[str, Any]
) -> RestAnswer:
    """`PATCH /api/orders/{order_id}` with the given `price` and `quantity` (those present) as its body."""
    path = order_path(order_id)
    if path is None:
        return not_an_order_id()
    body = json.dumps(changes, separators=(",", ":")).encode()
    return await call_route(app, "PATCH", path, trader=trader, client=client, body=body)


def not_an_order_id() -> RestAnswer:
    # REST's answer to a path with no id: no route matches, the API's 404.
    return RestAnswer(404, b'{"detail":"Not Found"}')
