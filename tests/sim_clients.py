"""Simulated browser tabs of a NiceGUI page, without a browser: load, connect, keep the element tree, ack, leave.

What NiceGUI 3.18's `templates/index.html` and `static/nicegui.js` do (read in the installed package): GET the
page as HTML, read the elements and the socket query out of `createApp(parseElements(...), {query: ...})`, connect
socket.io at `/_nicegui_ws/socket.io` with that query plus `document_id`/`tab_id`/`old_tab_id` (the connect is the
handshake), apply every `update` message to the element dict (`null` deletes) and ack about every 3 s.

The book ladder and the tape get their changes as `runMethod` calls (components/ladder.js, components/tape.js):
those are applied to the element's props here as the browser applies them, and each book delta's checksum is checked.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio

from app.feed.book_delta import apply_delta, verified

QUERY = re.compile(r"^\s*query: (\{.*\}),\s*$", re.MULTILINE)
ELEMENTS = re.compile(r"createApp\(parseElements\(String\.raw`(.*?)`\)", re.DOTALL)
# The reverse of `client.HTML_ESCAPE_TABLE`, in the order `parseElements` in nicegui.js undoes it.
UNESCAPE = (("&#36;", "$"), ("&#96;", "`"), ("&gt;", ">"), ("&lt;", "<"), ("&amp;", "&"))
ACK_INTERVAL = 3.0  # s, like the browser
# components/fast_rows.py `send`: a line `runMethod(id,...[method, [arguments]])` a call, in single quotes when no
# string has one.
RUN_METHOD = re.compile(r"^runMethod\((\d+),\.\.\.(\[.*\])\)$")
TAPE_FIELDS = ("id", "price", "quantity", "taker_side", "time")

Element = dict[str, Any]


def parse_page(html: str) -> tuple[dict[str, Element], dict[str, Any]]:
    """The element tree (id -> element dict) and the socket query a page's HTML starts the Vue app with."""
    elements_match, query_match = ELEMENTS.search(html), QUERY.search(html)
    assert elements_match is not None, "createApp(parseElements(...)) not found in the page"
    assert query_match is not None, "createApp(... query ...) not found in the page"
    raw = elements_match.group(1)
    for escaped, plain in UNESCAPE:
        raw = raw.replace(escaped, plain)
    return json.loads(raw), ast.literal_eval(query_match.group(1))


@dataclass
class SimulatedPage:
    """One tab the server counts as connected; `elements` is what its Vue app would render."""

    base_url: str
    path: str
    elements: dict[str, Element] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    next_message_id: int = 0
    updates: int = 0  # `update` messages applied
    lost_messages: int = 0  # message ids skipped over (the browser would have missed them)
    delta_failures: int = 0  # book deltas that did not start at the sequence shown or end on their checksum
    on_update: list[Callable[[SimulatedPage], None]] = field(default_factory=list)
    first_update: asyncio.Event = field(default_factory=asyncio.Event)
    sio: socketio.AsyncClient = field(default_factory=lambda: socketio.AsyncClient(reconnection=False))

    async def load(self, http: httpx.AsyncClient) -> None:
        """GET the page as a browser does: the initial element tree and the query for the socket."""
        page = await http.get(self.base_url + self.path, headers={"Accept": "text/html"})
        page.raise_for_status()
        self.elements, self.query = parse_page(page.text)
        self.next_message_id = int(self.query.get("next_message_id", 0))

    async def connect(self) -> None:
        """Open the socket; with `implicit_handshake` the connect is the handshake."""
        tab = {"document_id": str(uuid.uuid4()), "tab_id": str(uuid.uuid4()), "old_tab_id": "null"}
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in {**self.query, **tab}.items()}
        self.sio.on("*", self._receive, namespace="/")
        url = f"{self.base_url}/?{httpx.QueryParams(query)}"
        await self.sio.connect(url, socketio_path="/_nicegui_ws/socket.io", transports=["websocket"], wait_timeout=30)

    async def open(self, http: httpx.AsyncClient) -> None:
        await self.load(http)
        await self.connect()

    def _receive(self, event: str, data: Any = None, *_: Any) -> None:
        """Every message (`update`, `run_javascript`, `load_js_components`, ...) carries the next message id."""
        message_id = data.pop("_id", None) if isinstance(data, dict) else None
        if message_id is not None:
            if message_id < self.next_message_id:
                return  # a replayed message the tab already has (nicegui.js drops these too)
            self.lost_messages += message_id - self.next_message_id
            self.next_message_id = message_id + 1
        if event == "update":
            self._apply(data)
        elif event == "run_javascript":
            for line in str(data.get("code", "")).splitlines():
                if call := RUN_METHOD.match(line):
                    method, arguments = json.loads(call.group(2).replace("'", '"'))
                    self._run_method(call.group(1), method, arguments)

    def _run_method(self, element_id: str, method: str, arguments: list[Any]) -> None:
        """What components/ladder.js and components/tape.js do with their deltas (other calls change nothing here)."""
        element = self.elements.get(element_id)
        if element is None or method not in ("apply", "add", "mark"):
            return
        (argument,) = arguments
        props = element.setdefault("props", {})
        if method == "apply":
            book = props.get("book")
            if book is None or argument["sequence"] <= book["sequence"]:
                return
            if argument["from"] != book["sequence"]:
                self.delta_failures += 1
                return
            props["book"] = apply_delta(book, argument)
            self.delta_failures += not verified(props["book"])
        elif method == "add":
            rows = props.get("rows") or []
            newest = rows[0][0] if rows else None
            trades = argument["trades"]
            # Old news, dropped as tape.js drops it: NiceGUI sends a pass's element updates before its JavaScript
            # calls, so a whole tape sent after this delta may arrive before it.
            if trades and newest is not None and trades[-1][0] <= newest:
                return
            if newest != argument["after"]:
                self.delta_failures += 1
                return
            props["rows"] = (argument["trades"] + rows)[: props.get("length", 20)]
        elif method == "mark":
            props["mine"] = argument
        self._apply({})

    def _apply(self, data: dict[str, Any]) -> None:
        for element_id, element in data.items():
            if element is None:
                self.elements.pop(element_id, None)
            else:
                self.elements[element_id] = element
        self.updates += 1
        self.first_update.set()
        for callback in self.on_update:
            callback(self)

    async def ack(self) -> None:
        """What a browser sends every ~3 s so that the server can trim its resend history."""
        if self.sio.connected:
            await self.sio.emit("ack", {"client_id": self.query["client_id"], "next_message_id": self.next_message_id})

    async def leave(self, http: httpx.AsyncClient) -> None:
        """What a browser does when its tab is closed, reloaded or navigated away: the page's `pagehide` beacon
        (components/departures.py), then the socket closes; the server lets the page go at once."""
        with contextlib.suppress(httpx.HTTPError):
            await http.post(f"{self.base_url}/_page_left/{self.query['client_id']}")
        await self.close()

    async def drop(self) -> None:
        """The connection just ends, as when a tab crashes or its network goes: no socket.io goodbye, so the server
        keeps the page `reconnect_timeout` in case it comes back."""
        if (ws := self.sio.eio.ws) is not None:
            with contextlib.suppress(Exception):
                await ws.close()  # a WebSocket close frame and nothing else: the server reads "transport close"
        await self.close()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()
        if (session := self.sio.eio.http) is not None and not session.closed:
            await session.close()  # left open when the socket was already gone

    def with_class(self, name: str) -> Element | None:
        """The first element carrying this CSS class (element dicts keep their classes as a list)."""
        return next((element for element in self.elements.values() if name in (element.get("class") or [])), None)

    def book(self) -> dict[str, Any]:
        """The book ladder's book: sequence, checksum, asks and bids best first as [price, size]."""
        ladder = self.with_class("ob-book")
        assert ladder is not None, "no element with class 'ob-book'"
        return ladder.get("props", {}).get("book") or {"sequence": -1, "asks": [], "bids": []}

    def table_rows(self, name: str) -> list[dict[str, Any]]:
        """The rows of the table with this class, as the page renders them (the ladder's asks highest first).

        Pages before the ladder element (`bench_soak --code`) had a `ui.table` for each side and for the tape."""
        old = self.with_class(name) if name in ("ob-asks", "ob-bids", "trades-tape") else None
        if old is not None and "row-key" in old["props"]:
            return list(old["props"]["rows"])
        if name in ("ob-asks", "ob-bids"):
            levels = self.book()["asks"][::-1] if name == "ob-asks" else self.book()["bids"]
            return [{"price": price, "size": size} for price, size in levels]
        if name == "trades-tape":
            tape = self.with_class(name)
            assert tape is not None, "no element with class 'trades-tape'"
            return [dict(zip(TAPE_FIELDS, row, strict=True)) for row in tape.get("props", {}).get("rows", [])]
        table = self.with_class(name)
        assert table is not None, f"no element with class {name!r}"
        return list(table.get("props", {}).get("rows", []))


async def open_pages(
    base_url: str, path: str, count: int, *, concurrency: int = 8, http: httpx.AsyncClient | None = None
) -> list[SimulatedPage]:
    """Open `count` tabs of one page, a few at a time."""
    pages = [SimulatedPage(base_url, path) for _ in range(count)]
    limit = asyncio.Semaphore(concurrency)
    async with contextlib.AsyncExitStack() as stack:
        if http is None:
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))

        async def one(page: SimulatedPage) -> None:
            async with limit:
                await page.open(http)

        await asyncio.gather(*(one(page) for page in pages))
    return pages


async def keep_acking(pages: Iterable[SimulatedPage], interval: float = ACK_INTERVAL) -> None:
    """Ack for every tab about every 3 s until cancelled."""
    while True:
        await asyncio.sleep(interval)
        await asyncio.gather(*(page.ack() for page in pages), return_exceptions=True)


async def close_pages(pages: Iterable[SimulatedPage]) -> None:
    await asyncio.gather(*(page.close() for page in pages))


async def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> float:
    """Poll `condition` until true; the seconds it took. TimeoutError after `timeout` s."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
    return time.monotonic() - start
