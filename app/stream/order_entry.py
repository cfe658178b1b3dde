"""Order entry over the stream: each op is answered by the REST route it mirrors, called in this process.

`place`, `cancel`, `cancel_all` and `amend` are `POST /api/orders`, `DELETE /api/orders/{id}`, `DELETE /api/orders`
and `PATCH /api/orders/{id}`, handed to the app as ASGI requests that never touched a socket, carrying the socket's
trader, authenticated once (`CALLER_SCOPE_KEY`, app/accounts/api_keys.py). So the statuses, bodies, validation,
idempotent client ids, funds, fees and throttles are the routes' own, by construction: there is no second copy of any
of them to drift.
What the stream saves is the HTTP stack (parsing, the connection, the per-request key lookup), not the route's work.

Placing and cancelling one order, the hot ops, skip the ASGI call too: their routes are lean (app/api/lean_route.py,
matched first by the app, before its other routes and middlewares), so the request goes straight to the route's own
handler (`lean_handler`), with the order's body already parsed, and what the handler raises is answered by the app's
own exception handlers, as the app's exception middleware answers it. The route, its validation, its dependencies and
its serializer are the same ones, so are the answers (tests/test_stream_private.py compares them with REST's).
"""

import inspect
import json
import logging
import weakref
from typing import Any
from urllib.parse import quote

from fastapi.routing import _update_scope
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message

from app.accounts.api_keys import CALLER_SCOPE_KEY
from app.accounts.service import Caller

log = logging.getLogger("orderbook.stream")

ORDERS_PATH = "/api/orders"
# An app's lean routes, in the order it matches them first, and what a request of a path with no parameter matched
# (`POST /api/orders`: matched once, not per order). Both are made once with the app.
_lean_routes: "weakref.WeakKeyDictionary[Any, tuple[list, dict]]" = weakref.WeakKeyDictionary()
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
    parsed: dict | None = None,
) -> RestAnswer:
    """What the app answers `method path?query` with `body` for `trader`, as an HTTP client would receive it.
    `parsed`: `body` as JSON parsed (an object), for a lean route to take as it is."""
    headers = list(_JSON_HEADERS)
    if body is not None:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": quote(path).encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": client,
        "server": None,
        "state": {},
        CALLER_SCOPE_KEY: trader,
    }
    if not query and (body is None or parsed is not None):
        route = _lean_route(app, scope, body)
        if route is not None:
            return await _call_lean(app, route, scope, parsed)
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


def _lean_route(app: Any, scope: dict, body: bytes | None) -> Any:
    """The lean route that answers the request first, its match put in `scope`; None when the app would answer it
    otherwise (no lean route, or the body limit's 413 comes first)."""
    known = _lean_routes.get(app)
    if known is None:
        known = _lean_routes[app] = ([route for route in app.router.routes if hasattr(route, "lean_handler")], {})
    routes, matched = known
    key = (scope["method"], scope["path"])
    found = matched.get(key)
    if found is None:
        for route in routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                found = (route, child_scope)
                if not child_scope.get("path_params"):
                    matched[key] = found
                break
        else:
            return None
    route, child_scope = found
    limit = route.max_body_size
    if body is not None and (limit is None or len(body) > limit):
        return None
    scope["router"] = app.router
    _update_scope(scope, child_scope)
    return route


async def _call_lean(app: Any, route: Any, scope: dict, parsed: dict | None) -> RestAnswer:
    """The lean route's answer to the request in `scope`: its handler's response, or the app's exception handler's
    for what the handler raised (all but the server error's: an unhandled error is a logged 500, as over HTTP)."""
    scope["app"] = app
    request = Request(scope)
    try:
        response = await (route.lean_handler(request) if parsed is None else route.lean_handler(request, parsed))
    except Exception as error:
        handler = _exception_handler(app, error)
        if handler is None:
            log.exception("Exception in a stream order op")
            return RestAnswer(500, b'{"detail":"Internal Server Error"}')
        answered = handler(request, error)
        response = await answered if inspect.isawaitable(answered) else answered
    return RestAnswer(response.status_code, bytes(response.body))


def _exception_handler(app: Any, error: Exception) -> Any:
    # As Starlette's exception middleware picks one: by status for an HTTPException, else by the error's classes.
    handlers = app.exception_handlers
    if (
        isinstance(error, HTTPException)
        and error.status_code != 500
        and (by_status := handlers.get(error.status_code)) is not None
    ):
        return by_status
    for kind in type(error).__mro__:
        if kind in handlers and kind is not Exception:
            return handlers[kind]
    return None


def order_path(order_id: Any) -> str | None:
    """`/api/orders/{order_id}` for an id REST could be sent in a path: an integer, or one segment of text (digits
    match the route's `{order_id:int}`, other text REST's 422 naming the id), else None (the API's 404)."""
    text = str(order_id) if isinstance(order_id, int) and not isinstance(order_id, bool) else order_id
    if not isinstance(text, str) or not text or "/" in text:
        return None
    return f"{ORDERS_PATH}/{text}"


def query_of(**params: Any) -> str:
    """A query string of the given parameters, the absent (None) ones left out."""
    return "&".join(f"{name}={quote(str(value), safe='')}" for name, value in params.items() if value is not None)


async def place(app: ASGIApp, trader: Caller, client: tuple[str, int] | None, order: Any) -> RestAnswer:
    """`POST /api/orders` with `order` as its JSON body."""
    body = json.dumps(order, separators=(",", ":")).encode()
    parsed = order if type(order) is dict else None  # anything else: as the route reads it from the bytes
    return await call_route(app, "POST", ORDERS_PATH, trader=trader, client=client, body=body, parsed=parsed)


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
    # An order_id that is neither a number nor text: no path REST could be sent, the API's 404.
    return RestAnswer(404, b'{"detail":"Not Found"}')
