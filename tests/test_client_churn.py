"""A thousand page visits come and go on a live market; afterwards the server holds nothing of them.

Each visit is a simulated tab (tests/sim_clients.py): GET the page, connect its socket, receive its first update,
leave. They come in waves of tabs open at once; while a wave is open, the server is asked what it holds. NiceGUI
deletes a client `reconnect_timeout` (15 s in app/settings.py) after its socket went away. The server keeps its default
timeouts: how many pages, tab storages and uncollected objects it holds at the peak depends on them (a shorter tab
storage age or more frequent memory checks would hold less, and the peak would no longer show what the visits cost).
"""

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.servers import ServerProcess, Trader, register_trader
from tests.sim_clients import SimulatedPage

pytestmark = [
    pytest.mark.process,
    pytest.mark.alone,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module"),
]


PATH = "/market/BTC-USD"
VISITS = 1000  # the number
WAVE = 50  # tabs open at once
LOADING = 10  # of those, pages loading at once, as visitors arrive over a moment rather than in the same instant
RELEASE_TIMEOUT = 90.0  # s: reconnect_timeout (15 s) plus NiceGUI's pruning (tab storage: 30 s), on a busy machine
FREE_TIMEOUT = 30.0  # s: then for components/memory.py to collect what the pages held (a 10 s check, its follow-up)
TASK_SLACK = 5  # asyncio tasks that may come and go on their own (timers, keep-alive loops)
RSS_SLACK_KIB = 16 * 1024
OBJECTS_SLACK = 1.10  # the Python objects held once the visitors left, of the idle server's
ABRUPT_EVERY = 10  # one visit in 10 leaves without the page saying so (a crashed tab, a lost network)


@dataclass
class Churn:
    """What the server held before the visits, while each wave's tabs were open, after each wave had left and once it
    had released them all; how many pages the server sent an update."""

    before: dict[str, Any]
    open: list[dict[str, Any]]  # while each wave's tabs were all connected
    waves: list[dict[str, Any]]  # after each wave had left
    after: dict[str, Any]
    updated_pages: int  # visits whose page received an `update` message from the server
    visit_seconds: float
    release_seconds: float
    slow_pages: int  # visits whose page took longer than NiceGUI's response_timeout (3 s) to build


async def metrics(http: httpx.AsyncClient) -> dict[str, Any]:
    return (await http.get("/api/metrics")).json()


async def trickle(buyer: Trader, seller: Trader) -> None:
    """A trade every ~1 s, so that every open tab gets updates (an idle market sends a new tab none)."""
    async with (
        httpx.AsyncClient(base_url=str(buyer.client.base_url), headers=buyer.client.headers, timeout=60) as buys,
        httpx.AsyncClient(base_url=str(seller.client.base_url), headers=seller.client.headers, timeout=60) as sells,
    ):
        while True:
            for http, side in ((buys, "buy"), (sells, "sell")):
                body = {"symbol": "BTC-USD", "side": side, "price": "30000.00", "quantity": "0.0010"}
                (await http.post("/api/orders", json=body)).raise_for_status()
                await asyncio.sleep(0.5)


async def arrive(base_url: str, http: httpx.AsyncClient, loading: asyncio.Semaphore, slow: list[str]) -> SimulatedPage:
    """One visitor: load the page and connect its socket (reload once on a too-slow page)."""
    page = SimulatedPage(base_url, PATH)
    try:
        async with loading:
            await page.open(http)
    except httpx.HTTPStatusError as error:
        await page.close()
        if "response_timeout" not in error.response.text:
            raise
        slow.append(error.response.text)  # NiceGUI's error page: the page took over 3 s to build
        page = SimulatedPage(base_url, PATH)
        async with loading:
            await page.open(http)
    return page


async def sees_the_market_move(page: SimulatedPage) -> bool:
    """Whether the server sends the page an update within 30 s (an idle market sends a new tab none)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(page.first_update.wait(), timeout=30)
    return page.first_update.is_set()


async def depart(page: SimulatedPage, http: httpx.AsyncClient, *, abrupt: bool) -> None:
    """`abrupt`: the socket just closes, as when a tab crashes or loses its network, instead of the page saying it is
    being left: the server then keeps the page `reconnect_timeout` in case it comes back."""
    await (page.drop() if abrupt else page.leave(http))


async def wave(
    base_url: str, http: httpx.AsyncClient, loading: asyncio.Semaphore, slow: list[str]
) -> tuple[int, dict[str, Any]]:
    """WAVE visitors arrive, each waits for the market to move, the server is asked what it holds, all leave."""
    arrivals = await asyncio.gather(
        *(arrive(base_url, http, loading, slow) for _ in range(WAVE)), return_exceptions=True
    )
    pages = [page for page in arrivals if isinstance(page, SimulatedPage)]
    try:
        if failed := [error for error in arrivals if isinstance(error, BaseException)]:
            raise failed[0]
        updated = sum(await asyncio.gather(*(sees_the_market_move(page) for page in pages)))
        held = await metrics(http)
    finally:
        await asyncio.gather(*(depart(page, http, abrupt=i % ABRUPT_EVERY == 0) for i, page in enumerate(pages)))
    return updated, held


async def churn(base_url: str, buyer: Trader, seller: Trader) -> Churn:
    # One cookie jar for all visits: a cookie-less request would also cost NiceGUI a new session each time.
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        before = await metrics(http)
        flow = asyncio.create_task(trickle(buyer, seller))
        started, loading, slow = time.monotonic(), asyncio.Semaphore(LOADING), []
        updated_pages, held, waves = 0, [], []
        try:
            for _ in range(VISITS // WAVE):
                updated, while_open = await wave(base_url, http, loading, slow)
                updated_pages += updated
                held.append(while_open)
                waves.append(await metrics(http))
        finally:
            flow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flow
        visit_seconds = time.monotonic() - started

        async def released() -> bool:
            now = await metrics(http)
            return (
                now["clients"] == before["clients"]
                and now["subscriptions"] == before["subscriptions"]
                and now["tab_storages"] == before["tab_storages"]
                and now["tasks"] <= before["tasks"] + TASK_SLACK
            )

        release_started, done = time.monotonic(), False
        while not done and time.monotonic() - release_started < RELEASE_TIMEOUT:
            await asyncio.sleep(1)
            done = await released()

        peak_rss = max(state["rss_kib"] for state in [*held, *waves])

        def freed(now: dict[str, Any]) -> bool:
            return (
                now["python_objects"] < before["python_objects"] * OBJECTS_SLACK
                and now["rss_kib"] < peak_rss + RSS_SLACK_KIB
            )

        freeing_started, after = time.monotonic(), await metrics(http)
        while not freed(after) and time.monotonic() - freeing_started < FREE_TIMEOUT:
            await asyncio.sleep(0.5)
            after = await metrics(http)
    release_seconds = time.monotonic() - release_started
    return Churn(before, held, waves, after, updated_pages, visit_seconds, release_seconds, len(slow))


@pytest.fixture(scope="module")
def server(server_process: ServerProcess) -> ServerProcess:
    """A real `python main.py`: its sockets and its memory are what these tests are about."""
    return server_process


@pytest.fixture(scope="module")
def churned(server: ServerProcess) -> Iterator[Churn]:
    buyer, seller = register_trader(server.base_url), register_trader(server.base_url)
    with buyer.client, seller.client:
        result = asyncio.run(churn(server.base_url, buyer, seller))
    print(
        f"\n{VISITS} visits in {result.visit_seconds:.1f} s "
        f"({result.visit_seconds / VISITS * 1000:.0f} ms a visit, {WAVE} tabs at a time, {LOADING} loading); "
        f"pages held at the end: {result.waves[-1]['clients']} (most {max(w['clients'] for w in result.open)}); "
        f"{result.slow_pages} pages over the 3 s response_timeout; "
        f"released {result.release_seconds:.1f} s later; tasks {result.before['tasks']} -> {result.after['tasks']}; "
        f"RSS MiB: idle {mib(result.before)}, peak {max(mib(w) for w in result.open)}, released {mib(result.after)}; "
        f"Python objects: idle {result.before['python_objects']}, "
        f"peak {max(w['python_objects'] for w in result.open)}, released {result.after['python_objects']}"
    )
    yield result


def mib(metrics: dict[str, Any]) -> float:
    return round(metrics["rss_kib"] / 1024, 1)


def test_every_visitor_saw_the_market_move(churned: Churn) -> None:
    assert churned.updated_pages == VISITS


def test_the_server_held_every_open_tab_as_a_connected_subscribed_page(churned: Churn) -> None:
    # At least: tabs dropped in earlier waves may still be held (reconnect_timeout), and a page may subscribe more.
    for number, held in enumerate(churned.open, 1):
        assert held["clients"] >= churned.before["clients"] + WAVE, f"wave {number}: {held}"
        assert held["subscriptions"] >= churned.before["subscriptions"] + WAVE, f"wave {number}: {held}"


def test_every_page_builds_within_the_response_timeout(churned: Churn) -> None:
    assert churned.slow_pages == 0


def test_the_server_releases_every_page_that_left(churned: Churn) -> None:
    assert churned.after["clients"] == churned.before["clients"]


def test_no_subscription_or_task_outlives_its_page(churned: Churn) -> None:
    assert churned.after["subscriptions"] == churned.before["subscriptions"]
    assert churned.after["tasks"] <= churned.before["tasks"] + TASK_SLACK


def test_no_tab_storage_outlives_its_page(churned: Churn) -> None:
    assert churned.after["tab_storages"] == churned.before["tab_storages"]


def test_the_objects_the_visits_made_are_freed(churned: Churn) -> None:
    # Python's own objects, whatever RSS keeps of the allocator's arenas: back within 10% of the idle server's (lazy
    # imports and caches that the first visits filled stay).
    peak = max(held["python_objects"] for held in churned.open)
    # The visits did hold a lot at once (dozens of pages open together), or the check below would prove nothing.
    assert peak > churned.before["python_objects"] * 1.5
    assert churned.after["python_objects"] < churned.before["python_objects"] * OBJECTS_SLACK


def test_memory_does_not_grow_once_the_visitors_have_left(churned: Churn) -> None:
    peak = max(held["rss_kib"] for held in churned.open + churned.waves)
    assert churned.after["rss_kib"] < peak + RSS_SLACK_KIB


def test_the_server_logs_no_error(churned: Churn, server: ServerProcess) -> None:
    server.assert_clean_log()
