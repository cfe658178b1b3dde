"""A page whose browser left is deleted at once, and NiceGUI's own deletion `reconnect_timeout` later finds nothing.

Exercises components/nicegui_internals.delete_page_now against a real server: if NiceGUI stopped keeping its pending
deletion where that function cancels it, the beacon would fail, or the page would be deleted twice and the server log
an error when the timeout passes.
"""

import asyncio

import httpx
import pytest

from tests.servers import ServerProcess
from tests.sim_clients import SimulatedPage

pytestmark = [
    pytest.mark.process,
    pytest.mark.alone,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module"),
]


RECONNECT_TIMEOUT = 1.0  # s: the server's (ORDERBOOK_RECONNECT_TIMEOUT), short so that the test waits it out quickly


@pytest.fixture(scope="module")
def server(server_process: ServerProcess) -> ServerProcess:
    """A real `python main.py`: its sockets and its memory are what these tests are about."""
    return server_process


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    return {"ORDERBOOK_RECONNECT_TIMEOUT": str(RECONNECT_TIMEOUT)}


async def _clients(http: httpx.AsyncClient, server: ServerProcess) -> int:
    return int((await http.get(f"{server.base_url}/api/metrics")).json()["clients"])


async def test_a_page_left_after_its_socket_closed_is_deleted_once(server: ServerProcess) -> None:
    log_offset = server.log_size()
    async with httpx.AsyncClient(timeout=10) as http:
        idle = await _clients(http, server)
        page = SimulatedPage(server.base_url, "/market/BTC-USD")
        await page.open(http)
        assert await _clients(http, server) == idle + 1
        await page.close()  # the socket goes first: NiceGUI schedules the page's deletion after reconnect_timeout
        response = await http.post(f"{server.base_url}/_page_left/{page.query['client_id']}")
        assert response.status_code == 204
        clients_now = await _clients(http, server)
        await asyncio.sleep(RECONNECT_TIMEOUT + 2)  # the deletion NiceGUI had scheduled would run now
        clients_later = await _clients(http, server)
    assert clients_now == idle, "the page was kept after its browser said it left"
    assert clients_later == idle
    server.assert_clean_log(since=log_offset)
