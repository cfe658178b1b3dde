"""When the websocket is unavailable, the network drops or another process writes, the page still shows the truth."""

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import NewTrader, OpenPage, StartServer, place, server_book
from tests.browser.tcp_proxy import TcpProxy
from tests.servers import ServerProcess

CUT_SECONDS = 4.5  # well inside the app's 15 s reconnect_timeout, well beyond NiceGUI's default of 3 s
# socket.io retries with a back-off of up to 5 s (randomised by 50%): the first retry after the restore may be late.
RECONNECT_WAIT = 20.0
LEFT_WAIT = 8.0  # s for a page that was left to be let go: well inside the 15 s a page is kept for a reconnect
SHOWN_DEPTH = 12  # levels a side the page's ladder shows (components.orderbook.DEPTH)
# Network cuts and socket.io's reconnects and upgrades run on the clock: on a machine busy with other tests, a page may
# settle on long-polling after a cut instead of upgrading to the websocket again.
pytestmark = pytest.mark.alone


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the shared server: the browser's only way to reach it."""
    with TcpProxy(server.port) as running:
        yield running


def test_the_indicator_reads_live_on_the_websocket(server: ServerProcess, open_page: OpenPage) -> None:
    page = open_page(server.base_url).open("BTC-USD")

    page.wait_for_connection("Live")
    assert page.transport() == "websocket"


def test_with_polling_forced_the_indicator_reads_polling_and_updates_still_arrive(
    server: ServerProcess, server_factory: StartServer, open_page: OpenPage, new_trader: NewTrader
) -> None:
    polling = server_factory(server.database_url, ORDERBOOK_TRANSPORTS="polling")
    page = open_page(polling.base_url).open("BTC-USD")
    page.mark_document()

    page.wait_for_connection("Polling")
    assert page.transport() == "polling"
    place(new_trader(), "buy", price="93.17", quantity="0.2")
    page.wait_for_level("bids", "93.17", "0.2000")
    assert page.connection() == "Polling"
    assert page.document_is_marked(), "the tab reloaded instead of updating in place"


def test_a_short_network_cut_ends_without_a_reload_and_with_no_update_missing(
    server: ServerProcess, proxy: TcpProxy, open_page: OpenPage, new_trader: NewTrader
) -> None:
    trader = new_trader()
    resting = place(trader, "buy", price="94.01", quantity="0.1")
    page = open_page(proxy.base_url).open("BTC-USD")
    page.wait_for_connection("Live")
    page.wait_for_level("bids", "94.01", "0.1000")
    page.mark_document()

    proxy.cut()
    cut_at = time.monotonic()
    page.wait_for_connection("Offline")
    # While the page is away: new levels on both sides, a second order on a level, and a cancel.
    place(trader, "buy", price="94.02", quantity="0.3")
    place(trader, "buy", price="94.02", quantity="0.05")
    place(trader, "sell", price="161.50", quantity="0.7")
    assert trader.client.delete(f"/api/orders/{resting['id']}").status_code == 200
    time.sleep(max(0.0, CUT_SECONDS - (time.monotonic() - cut_at)))  # holds the cut; nothing is asserted on time
    assert page.connection() == "Offline", "the page claims a connection while the network is cut"
    proxy.restore()

    page.wait_for_connection("Live", timeout=RECONNECT_WAIT)
    expected = server_book(server.base_url, depth=SHOWN_DEPTH)
    page.wait_for_book(lambda shown: shown == expected, f"the page's book to equal the server's {expected}")
    assert page.document_is_marked(), "the page reloaded after the cut instead of catching up"


def test_a_tab_that_leaves_is_let_go_at_once_and_one_that_loses_its_network_is_kept(
    server: ServerProcess, server_factory: StartServer, open_page: OpenPage
) -> None:
    # A server of its own, so that its page count is this test's alone; the browser reaches it through a proxy.
    alone = server_factory(server.database_url)
    with TcpProxy(alone.port) as proxy:
        cut_page = open_page(proxy.base_url).open("BTC-USD")
        left_page = open_page(alone.base_url).open("BTC-USD")
        assert pages_held(alone) == 2

        proxy.cut()
        cut_page.wait_for_connection("Offline")
        left_page.driver.get("about:blank")  # the tab navigates away: its pagehide beacon says so

        # Far inside the 15 s reconnect_timeout: only the beacon can have let the page go.
        deadline = time.monotonic() + LEFT_WAIT
        while pages_held(alone) != 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pages_held(alone) == 1, "the page that was left is still held, or the cut one was dropped"
        proxy.restore()
        cut_page.wait_for_connection("Live", timeout=RECONNECT_WAIT)
        assert pages_held(alone) == 1


def pages_held(server: ServerProcess) -> int:
    return int(httpx.get(f"{server.base_url}/api/metrics", timeout=10).json()["clients"])


def test_an_order_placed_through_a_second_process_on_the_same_database_appears_in_a_tab_of_the_first(
    server: ServerProcess, server_factory: StartServer, open_page: OpenPage, new_trader: NewTrader
) -> None:
    second = server_factory(server.database_url)
    trader = new_trader()
    page = open_page(server.base_url).open("BTC-USD")

    headers = {"Authorization": f"Bearer {trader.api_key}"}
    with httpx.Client(base_url=second.base_url, headers=headers, timeout=20) as through_second:
        body = {"symbol": "BTC-USD", "side": "sell", "type": "limit", "price": "171.25", "quantity": "0.4"}
        response = through_second.post("/api/orders", json=body)
    assert response.status_code == 201, response.text

    page.wait_for_level("asks", "171.25", "0.4000")
