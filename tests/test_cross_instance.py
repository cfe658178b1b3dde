"""Two server processes on one database: what one commits reaches the other's books and pages by the journal, pushed.

The safety poll is set to an hour, so that only the push (PostgreSQL NOTIFY, SQLite data_version) can explain what
the second process shows; its book is never requested before it has caught up, so no request pulled it either.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.servers import POSTGRES_ADMIN_URL, ServerProcess, Trader, metric, register_trader, serving_pair
from tests.sim_clients import SimulatedPage, wait_for

pytestmark = pytest.mark.process

BTC = "BTC-USD"
NO_POLL = {"ORDERBOOK_POLL_INTERVAL": "3600"}


@pytest.fixture(scope="module")
def pair(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with serving_pair(database_url, tmp_path_factory.mktemp("logs"), NO_POLL) as servers:
        yield servers


@pytest.fixture(scope="module")
def seller(pair: tuple[ServerProcess, ServerProcess]) -> Iterator[Trader]:
    trader = register_trader(pair[0].base_url)
    yield trader
    trader.client.close()


def catch_ups(server: ServerProcess, how: str) -> float:
    return metric(server, "orderbook_book_catch_ups_total", market=BTC, how=how)


def sell(trader: Trader, price: str) -> dict[str, Any]:
    response = trader.client.post(
        "/api/orders", json={"symbol": BTC, "side": "sell", "price": price, "quantity": "0.0100"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def until(condition: Any, timeout: float = 15.0) -> None:
    asyncio.run(wait_for(condition, timeout))


def asks_of(server: ServerProcess) -> dict[str, str]:
    book = httpx.get(f"{server.base_url}/api/markets/{BTC}/book", timeout=10).json()
    return {level["price"]: level["quantity"] for level in book["asks"]}


def test_an_order_placed_on_a_reaches_bs_book_from_the_journal_without_a_reload(
    pair: tuple[ServerProcess, ServerProcess], seller: Trader
) -> None:
    a, b = pair
    journal, reloads = catch_ups(b, "journal"), catch_ups(b, "reload")
    sell(seller, "5001.00")
    until(lambda: catch_ups(b, "journal") > journal)
    assert catch_ups(b, "reload") == reloads
    assert asks_of(b)["5001.00"] == "0.0100"
    assert (
        httpx.get(f"{b.base_url}/api/markets/{BTC}/book", timeout=10).json()["sequence"]
        == (httpx.get(f"{a.base_url}/api/markets/{BTC}/book", timeout=10).json()["sequence"])
    )


def test_a_page_on_b_shows_an_order_placed_through_a(pair: tuple[ServerProcess, ServerProcess], seller: Trader) -> None:
    _, b = pair

    async def story() -> None:
        page = SimulatedPage(b.base_url, f"/market/{BTC}")
        async with httpx.AsyncClient(timeout=30) as http:
            await page.open(http)
            try:
                await asyncio.to_thread(sell, seller, "5002.00")
                await wait_for(lambda: "5002.00" in {row["price"] for row in page.table_rows("ob-asks")}, 15)
            finally:
                await page.close()

    asyncio.run(story())


def test_a_page_on_b_shows_in_its_tape_a_trade_made_through_a_after_orders_that_traded_nothing(
    pair: tuple[ServerProcess, ServerProcess], seller: Trader
) -> None:
    a, b = pair
    buyer = register_trader(a.base_url)

    async def story() -> None:
        page = SimulatedPage(b.base_url, f"/market/{BTC}")
        async with httpx.AsyncClient(timeout=30) as http:
            await page.open(http)
            try:
                await asyncio.to_thread(sell, seller, "4004.00")  # rests: nothing for the tape
                await wait_for(lambda: "4004.00" in {row["price"] for row in page.table_rows("ob-asks")}, 15)
                body = {"symbol": BTC, "side": "buy", "price": "4004.00", "quantity": "0.0100"}
                bought = await asyncio.to_thread(buyer.client.post, "/api/orders", json=body)
                assert bought.json()["status"] == "filled", bought.text
                await wait_for(lambda: "4004.00" in {row["price"] for row in page.table_rows("trades-tape")}, 15)
                assert "4004.00" not in {row["price"] for row in page.table_rows("ob-asks")}
            finally:
                await page.close()
                buyer.client.close()

    asyncio.run(story())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # only PostgreSQL has a listener connection
def test_bs_listener_reconnects_after_its_connection_is_killed_and_catches_up(
    pair: tuple[ServerProcess, ServerProcess], seller: Trader
) -> None:
    _, b = pair
    assert b.process is not None
    connects, journal = metric(b, "orderbook_listener_connects_total"), catch_ups(b, "journal")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (f"orderbook-listener-{b.process.pid}",),
        ).fetchall()
    assert killed == [(True,)]
    sell(seller, "5003.00")  # while B may not be listening: its notification can be lost, the journal is not
    until(lambda: metric(b, "orderbook_listener_connects_total") == connects + 1)
    until(lambda: catch_ups(b, "journal") > journal)
    assert asks_of(b)["5003.00"] == "0.0100"
    assert "change listener" in b.log()  # the lost connection was reported as a warning, not an error
