"""What components/nicegui_internals.py relies on still holds in the installed NiceGUI and python-socketio.

Each test fails when an upgrade breaks one of its work-arounds: the faster binary check must answer exactly as
python-socketio's own and be the packet class NiceGUI's server uses; plain props must reach the page unwrapped; the
tab-storage count must follow the tabs; a served page's request must hold only what is read later.
(tests/test_page_release.py checks the early deletion of a departed page.)"""

from hypothesis import given
from hypothesis import strategies as st
from nicegui import app, core, ui
from nicegui.testing import User
from socketio.packet import Packet

from components.market_tabs import MarketTabs
from components.nicegui_internals import PAGE_SCOPE_KEYS, FastBinaryCheckPacket, set_plain, tab_storage_count


class SubDict(dict):  # NiceGUI's observable props are dict and list subclasses
    pass


class SubList(list):
    pass


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
binary = st.binary(max_size=4) | st.binary(max_size=4).map(bytearray)
data = st.recursive(
    scalars | binary,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=3), children, max_size=4)
        | st.tuples(children, children)
    ),  # neither check looks inside tuples
    max_leaves=30,
)


@given(data)
def test_the_fast_check_agrees_with_python_socketio(value: object) -> None:
    assert FastBinaryCheckPacket.data_is_binary(value) == Packet.data_is_binary(value)


def test_bytes_deep_in_an_update_are_found() -> None:
    update = {"7": {"props": {"rows": [{"price": "1.00"}, {"blob": [b"\x00"]}]}}}
    assert FastBinaryCheckPacket.data_is_binary(update)
    assert not FastBinaryCheckPacket.data_is_binary({"7": {"props": {"rows": [{"price": "1.00"}]}}})


async def test_the_app_sends_with_these_packets(user: User) -> None:
    await user.open("/market/BTC-USD")
    assert core.sio.packet_class is FastBinaryCheckPacket


async def test_plain_props_reach_the_page_unwrapped(user: User) -> None:
    await user.open("/market/BTC-USD")
    with user.client:
        table = ui.table(columns=[{"name": "price", "label": "Price", "field": "price"}], rows=[])
    rows = [{"price": "1.00"}]
    set_plain(table.props, "rows", rows)
    table.update()
    assert table.props["rows"] is rows  # NiceGUI would have wrapped a list assigned through Props in an observable
    assert type(table.props["rows"]) is list
    assert table.rows == rows  # the table reads its rows from the same props it sends


async def test_the_tab_storage_count_follows_the_open_tabs(user: User) -> None:
    before = tab_storage_count()
    await user.open("/market/BTC-USD")
    assert tab_storage_count() == before + 1


def test_the_socket_path_skipped_to_is_where_nicegui_mounts_socket_io() -> None:
    from starlette.routing import Mount

    from components.nicegui_internals import SOCKET_PREFIX, sio_app

    mounts = [route for route in core.app.routes if isinstance(route, Mount) and route.path == SOCKET_PREFIX]
    assert [mount.app for mount in mounts] == [sio_app]
    assert sio_app.engineio_server is core.sio  # the same socket.io server the pages send through


async def test_a_tab_socket_reaches_socket_io_and_nothing_else() -> None:
    from components.nicegui_internals import SocketsFirst

    passed_on: list[str] = []

    async def inner(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        passed_on.append(scope["path"])

    sent: list[dict] = []

    arriving = [{"type": "websocket.connect"}]

    async def receive() -> dict:
        return arriving.pop(0) if arriving else {"type": "websocket.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    layer = SocketsFirst(inner)
    await layer({"type": "http", "path": "/_nicegui_ws/socket.io/", "headers": []}, receive, send)
    socket = {"type": "websocket", "path": "/_nicegui_ws/socket.io/", "root_path": "", "query_string": b"EIO=4"}
    await layer({**socket, "headers": []}, receive, send)
    # Long-polling (HTTP) goes the usual way; the websocket went to socket.io, which refused this one (no transport).
    assert passed_on == ["/_nicegui_ws/socket.io/"]
    assert sent and all(message["type"].startswith("websocket.") for message in sent)


async def test_a_served_page_keeps_only_the_lean_part_of_its_request(user: User) -> None:
    await user.open("/market/BTC-USD")
    client = user.client
    listened = {listener.request for e in client.elements.values() for listener in e._event_listeners.values()}
    assert listened, "the market page has event listeners"
    for request in {client.request, *listened}:
        assert request is not None
        assert set(request.scope) <= set(PAGE_SCOPE_KEYS), "FastAPI's exit stacks are still held"
        assert await request.receive() == {"type": "http.disconnect"}
        assert request.url.path == "/market/BTC-USD" and request.session["id"]


async def test_an_event_handler_still_reads_the_browsers_storage_after_the_response(user: User) -> None:
    await user.open("/market/BTC-USD")
    tabs = next(e for e in user.client.elements.values() if isinstance(e, MarketTabs))
    (listener,) = tabs._event_listeners.values()
    tabs._handle_event({"listener_id": listener.id, "args": "trades"})  # what a tap on the Trades tab sends
    assert app.storage.user["market_tab"] == "trades"
    assert tabs.chosen == "trades"
