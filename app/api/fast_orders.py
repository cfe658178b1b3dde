"""The two hottest API requests, placing and cancelling one order, answered without FastAPI's routing and dependencies.

Measured with py-spy in the 30-tab soak: FastAPI's route matching through the included routers, its dependency
solving and its middlewares took over half of the event loop's time, far more than the order itself. This pure ASGI
middleware answers `POST /api/orders` and `DELETE /api/orders/{id}` itself when the request is ordinary: a Bearer
key that names a trader, a JSON body that is a valid order, the exchange started. Anything else (a bad or missing
key, a throttled address, a body FastAPI would refuse, another content type, a body on a DELETE, a starting
server) goes on to the FastAPI routes unchanged, body included, which answer it exactly as before. The answers given
here are the routes' own: the same exchange calls, the same error handlers, the same JSON (tests/test_fast_orders.py
compares both paths byte for byte).
"""

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import services
from app.accounts import throttle
from app.accounts.service import Caller
from app.api import MAX_BODY_BYTES
from app.api.deps import database_error_handler, service_error_handler
from app.errors import ServiceError
from models import OrderCreate, OrderPublic

ORDERS_PATH = "/api/orders"
ORDER_PATH = re.compile(r"/api/orders/([0-9]{1,19})")
MAX_ORDER_ID = 2**63 - 1  # as the route's `OrderId`
_ORDER_JSON = TypeAdapter(OrderPublic)  # what FastAPI's response field dumps with (by alias)
Answer = tuple[int, bytes]


class FastOrders:
    """Pure ASGI, inside the app's error middleware (a crash here is a logged 500, as in a route)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            if method == "POST" and path == ORDERS_PATH:
                await self._place(scope, receive, send)
                return
            if method == "DELETE" and (match := ORDER_PATH.fullmatch(path)) and _no_body(scope):
                order_id = int(match.group(1))
                if 1 <= order_id <= MAX_ORDER_ID:
                    await self._answer(scope, receive, send, lambda caller: _cancel(caller, order_id))
                    return
        await self.app(scope, receive, send)

    async def _place(self, scope: Scope, receive: Receive, send: Send) -> None:
        read, body, complete = await _read_body(receive)
        order_in = _order_of(body) if complete and _header(scope, b"content-type") == b"application/json" else None
        if order_in is None:
            await self.app(scope, _replay(read, receive), send)
            return
        await self._answer(scope, _replay(read, receive), send, lambda caller: _place(caller, order_in))

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, work: Callable[[Caller], Awaitable[Answer]]
    ) -> None:
        try:
            caller = await _caller(scope)
            if caller is None:  # let the route say why, and count a wrong key against the address
                await self.app(scope, receive, send)
                return
            status, body = await work(caller)
        except ServiceError as error:
            await (await service_error_handler(None, error))(scope, receive, send)  # type: ignore[arg-type]
            return
        except OperationalError as error:
            await (await database_error_handler(None, error))(scope, receive, send)  # type: ignore[arg-type]
            return
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _place(caller: Caller, order_in: OrderCreate) -> Answer:
    order, created = await services.current().exchange.commands.place_order(trader_id=caller.id, order_in=order_in)
    return (201 if created else 200), _ORDER_JSON.dump_json(order, by_alias=True)


async def _cancel(caller: Caller, order_id: int) -> Answer:
    order = await services.current().exchange.commands.cancel_order(trader_id=caller.id, order_id=order_id)
    return 200, _ORDER_JSON.dump_json(order, by_alias=True)


async def _caller(scope: Scope) -> Caller | None:
    """The trader of an ordinary `Bearer` key; None for anything the route answers with an error or a wait."""
    running = services.running()
    authorization = _header(scope, b"authorization")
    if running is None or authorization is None or not authorization.startswith(b"Bearer "):
        return None
    key = authorization[7:].decode("latin-1")
    if not key or key != key.strip() or " " in key:
        return None
    client = scope.get("client")
    try:
        # The route checks the address before the key: a throttled address is refused even with a good key.
        await throttle.API_KEY_PER_ADDRESS.check(client[0] if client else "unknown")
    except throttle.TooManyAttempts:
        return None
    return await running.accounts.by_api_key(key)


def _order_of(body: bytes) -> OrderCreate | None:
    """The order as the route would validate it (the JSON parsed first, then the model); None if it would not."""
    try:
        data: Any = json.loads(body)
        return OrderCreate.model_validate(data) if isinstance(data, dict) else None
    except (ValueError, ValidationError):
        return None


async def _read_body(receive: Receive) -> tuple[list[Message], bytes, bool]:
    """The messages read, the body, and whether it is all there and within the API's limit (else the route decides)."""
    read: list[Message] = []
    size = 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return read, b"", False
        size += len(message.get("body", b""))
        if size > MAX_BODY_BYTES:
            return read, b"", False
        if not message.get("more_body", False):
            return read, b"".join(part.get("body", b"") for part in read), True


def _replay(read: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives the messages already read again, then the connection's own."""
    pending = list(read)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _no_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return (length is None or length == b"0") and _header(scope, b"transfer-encoding") is None
