"""Sending less, shared by the components: rows set without observables, a method call with compact JSON, and a plain
line for an empty table."""

import asyncio
import json
from typing import Any
from weakref import WeakKeyDictionary

from nicegui import Client, ui
from nicegui.element import Element

from components.nicegui_internals import set_plain

# Quasar's own no-data line carries a warning icon: an empty book or tape is normal, not a problem.
EMPTY_TEMPLATE = '<div class="full-width text-center text-caption text-grey-7 q-py-xs">{{ props.message }}</div>'


def set_rows(table: ui.table, rows: list[dict]) -> None:
    """Send new rows to the browser. They are plain data nobody mutates afterwards, so they need no observers.

    Wrapping every row in NiceGUI's observables would be a large share of a render.
    """
    set_plain(table.props, "rows", rows)
    table.update()


def say_when_empty(table: ui.table, message: str) -> ui.table:
    """Show `message` in the table while it has no rows (the table shows no footer otherwise: no pagination)."""
    table.props(f'no-data-label="{message}"')
    table.add_slot("no-data", EMPTY_TEMPLATE)
    return table


def call_text(method: str, *args: Any) -> str:
    """A method call's name and arguments as compact JavaScript: made once, sent to every page that needs it."""
    text = json.dumps([method, args], separators=(",", ":"))
    # The code travels as a JSON string, which escapes every double quote: prices and sizes are all strings, so
    # single quotes (the same JavaScript literal while no string holds a quote or a backslash) make every delta shorter.
    if "'" not in text and "\\" not in text:
        text = text.replace('"', "'")
    return text


def send(element: Element, method: str, *args: Any) -> None:
    """`element.run_method` with compact JSON and no reply awaited (see `send_call`)."""
    send_call(element, call_text(method, *args))


def send_call(element: Element, call: str) -> None:
    """Run a `call_text` on the element in the browser, batched: every call a page makes in one turn of the event
    loop (one render: the book's delta, the tape's, the depth chart's points) goes in one message, since each
    message costs the server about as much as its bytes do."""
    client = element.client
    if element.is_deleted or client.is_deleted:
        return
    calls = _pending.get(client)
    if calls is None:
        calls = _pending[client] = []
        asyncio.get_running_loop().call_soon(_flush, client)
    calls.append(f"runMethod({element.id},...{call})")


_pending: "WeakKeyDictionary[Client, list[str]]" = WeakKeyDictionary()


def _flush(client: Client) -> None:
    calls = _pending.pop(client, None)
    if calls and not client.is_deleted:
        client.run_javascript("\n".join(calls))  # one call a line: JSON has no raw newline


def show_series(element: Element, text: str, call: str) -> None:
    """Hold `text` (a JSON str shared by every page) in the element's `series` prop and draw it with `call`.

    The same points: the shared str is held, nothing is sent. New points: a page in the browser gets only the `call`
    (the points, not the whole element again); a page not yet connected gets them with the element when it comes.
    """
    shown = element.props.get("series")
    if text is shown:
        return
    set_plain(element.props, "series", text)  # a re-sent element (a reload, a resync) carries the newest points
    if text == shown:
        return
    if element.client.has_socket_connection:
        send_call(element, call)
    else:
        element.update()
