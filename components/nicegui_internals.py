"""The only place that reaches into NiceGUI's and python-socketio's internals: each use here has no public route.

Each function says what it works around and what it relies on; tests/components/test_nicegui_internals.py checks
every one of those assumptions against the installed packages, so an upgrade that breaks one fails a test instead of
silently costing memory or speed. NiceGUI and python-socketio are pinned (requirements.lock): upgrade on purpose.
"""

from collections.abc import MutableMapping
from itertools import islice
from typing import Any

from nicegui import Client, app, core
from nicegui.nicegui import sio_app
from socketio.packet import Packet
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SOCKET_PREFIX = "/_nicegui_ws"  # where NiceGUI mounts socket.io (nicegui/nicegui.py) and the browser connects


def delete_page_now(client: Client) -> None:
    """Delete a page whose browser said it left, instead of `reconnect_timeout` later.

    NiceGUI schedules a page's deletion when its socket closes (`Client.handle_disconnect`) and keeps the task in the
    private `Client._delete_tasks`; deleting the page without cancelling that task would delete it a second time when
    the task wakes. There is no public way to cut the wait short for one page.
    """
    if client.is_deleted:
        return
    for task in client._delete_tasks.values():
        task.cancel()
    client._delete_tasks.clear()
    client.delete()


def set_plain(mapping: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Store `value` in an element's props or options without NiceGUI wrapping it in observables.

    An element's props (`element.props`) and an echart's options are `ObservableDict`s: every assignment wraps each
    nested list and dict in observables so that in-place changes trigger updates. Table rows and chart points are
    replaced whole and never changed in place, and wrapping them is a large share of a page's render while a market
    is busy. A plain `dict.__setitem__` stores them as they are; the caller then calls
    the element's `update()`, which sends the props as they stand.
    """
    dict.__setitem__(mapping, key, value)  # type: ignore[index]


def tab_storage_count() -> int:
    """How many per-tab storages NiceGUI holds in memory (`app.storage.tab`): no public count exists."""
    return len(app.storage._tabs)


class FastBinaryCheckPacket(Packet):
    """Socket.io packets that find out faster whether a message carries binary data.

    python-socketio checks every outgoing message for bytes before encoding it, with a recursive reduce that builds a
    list at every level (`Packet.data_is_binary`). NiceGUI sends each page's whole update through it, once per
    connected page, so with many pages watching a busy market it takes a visible share of the server's time. Same
    answer, in one loop with no intermediate lists.
    """

    @classmethod
    def data_is_binary(cls, data: object) -> bool:
        pending = [data]
        pop, extend = pending.pop, pending.extend
        while pending:
            item = pop()
            kind = type(item)  # exact types first: nearly all of an update is these, and `is` beats isinstance
            if kind is dict:
                extend(item.values())  # type: ignore[attr-defined]
            elif kind is list:
                extend(item)  # type: ignore[arg-type]
            elif kind is str or kind is int or kind is bool or item is None:
                continue
            elif isinstance(item, bytes | bytearray):
                return True
            elif isinstance(item, list):
                extend(item)
            elif isinstance(item, dict):
                extend(item.values())
        return False


def install_fast_binary_check() -> None:
    """Use FastBinaryCheckPacket for everything NiceGUI's socket.io server sends.

    python-socketio's server builds every packet from its `packet_class` attribute, which has no public setter;
    NiceGUI's server is `nicegui.core.sio`. The JSON encoding stays python-socketio's own.
    """
    core.sio.packet_class = FastBinaryCheckPacket


class SocketsFirst:
    """ASGI: a tab's websocket goes straight to NiceGUI's socket.io app, past the middlewares and routers before it.

    A websocket lives as long as its tab, and every layer it passed through holds its frame and state that long:
    FastAPI's error, exception and exit-stack middlewares, the app's router, NiceGUI's mount and its session middleware
    (nothing on NiceGUI's socket path reads the session: a page's storage goes by the page request's cookie), so
    skipping them takes their memory off every open tab. NiceGUI's socket.io app
    (`nicegui.nicegui.sio_app`) has no public handle. Long-polling (plain HTTP) keeps the usual route, and the scope is
    what Starlette's `Mount` would have handed on: the mount's path appended to `root_path`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"].startswith(SOCKET_PREFIX + "/"):
            scope["root_path"] = scope.get("root_path", "") + SOCKET_PREFIX  # in place: a copy lives as long as the tab
            await sio_app(scope, receive, send)
            return
        await self.app(scope, receive, send)


# What a page's request is read for once its response is sent: its URL, headers, client address, session, state and
# route (`Client.ip`, `app.storage.user`, the sub-page router, prefetch detection). The rest of the scope belonged to
# its trip through the middlewares: FastAPI's exit stacks, the endpoint.
PAGE_SCOPE_KEYS = (
    "type",
    "asgi",
    "http_version",
    "method",
    "scheme",
    "server",
    "client",
    "root_path",
    "path",
    "raw_path",
    "query_string",
    "headers",
    "session",
    "state",
    "app",
    "route",
    "path_params",
    "nicegui_page_path",
)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


async def _unsendable(message: Message) -> None:
    raise RuntimeError("the page's response was sent already")


class LeanPageRequests:
    """ASGI: once a page's response is sent, its request stops holding that HTTP request's machinery.

    NiceGUI keeps each page's request as long as the page lives, in two places: the route's `Request` as
    `Client._request`, and NiceGUI's session middleware's own (`storage.request_contextvar`) in every event listener
    and in the context of every task the page started. The first's `receive` is the chain of the middlewares'
    wrapped receives (their memory streams, task groups and frames), the second's the server's request cycle, and
    both scopes hold FastAPI's exit stacks, all of it for as long as the tab is open. After the response, the scope
    (one dict shared by every layer's request) keeps only what is read later, and both requests get a `receive` that
    says the request is over, as it is. NiceGUI marks a page's scope with `nicegui_page_path`. The middleware's
    request is reached through the page's event listeners: it was set in a task of NiceGUI's own middlewares, whose
    context this layer does not see.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            if "nicegui_page_path" in scope:
                lean_page_request(scope)


def lean_page_request(scope: Scope) -> None:
    """Cut a page's finished request down to PAGE_SCOPE_KEYS and end its requests' `receive` and `send` chains."""
    kept = {key: scope[key] for key in PAGE_SCOPE_KEYS if key in scope}
    scope.clear()
    scope.update(kept)
    for client in islice(reversed(Client.instances.values()), 64):  # the page's client was made moments ago
        if client._request is not None and client._request.scope is scope:
            client._request = Request(scope, _disconnected)
            # Event listeners keep the request NiceGUI's session middleware saw (`storage.request_contextvar`), the
            # one the context of each task the page started holds too: one object, ended in place.
            for element in client.elements.values():
                for listener in element._event_listeners.values():
                    request = listener.request
                    if request is not None and request.scope is scope:
                        request._receive, request._send = _disconnected, _unsendable
            return
