"""A market lock held by another connection: orders fail with a clean 503 after a bounded wait, and store nothing."""

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import psycopg
import pytest

from tests.conftest import TraderFactory
from tests.in_process import InProcessServer

ORDER = {"symbol": "BTC-USD", "side": "buy", "price": "100.00", "quantity": "0.0100"}
LOCK_TIMEOUT = 1.0  # s: the server's (ORDERBOOK_LOCK_TIMEOUT), short so that the tests wait it out quickly
# Longer than one lock timeout and a second batch behind it, shorter than a wait per queued order (6 of them).
CLIENT_TIMEOUT = 4.0


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    return {"ORDERBOOK_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}


@contextmanager
def market_locked(database_url: str, symbol: str) -> Iterator[None]:
    """Another connection holds what the writer must lock: the market row (PostgreSQL), the database (SQLite)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        connection.execute("SELECT id FROM markets WHERE symbol = %s FOR UPDATE", (symbol,))
        try:
            yield
        finally:
            connection.rollback()


def test_an_order_behind_a_held_market_lock_gets_503_and_nothing_is_stored(
    server: InProcessServer, trader: TraderFactory, api: httpx.Client
) -> None:
    _, _, client = trader(fresh=True)
    book_before = api.get("/api/markets/BTC-USD/book").json()
    with market_locked(server.database_url, "BTC-USD"):
        response = client.post("/api/orders", json=ORDER, timeout=CLIENT_TIMEOUT)
    assert response.status_code == 503, response.text
    assert "nothing was changed" in response.json()["detail"]
    assert client.get("/api/orders", params={"status": "all"}).json() == []
    assert api.get("/api/markets/BTC-USD/book").json() == book_before


def test_orders_queued_behind_a_held_lock_all_get_503_without_each_waiting_again(
    server: InProcessServer, trader: TraderFactory
) -> None:
    _, _, client = trader(fresh=True)
    with market_locked(server.database_url, "BTC-USD"), ThreadPoolExecutor(max_workers=6) as pool:
        placed = [pool.submit(client.post, "/api/orders", json=ORDER, timeout=CLIENT_TIMEOUT) for _ in range(6)]
        statuses = [future.result().status_code for future in placed]
    assert statuses == [503] * 6
    assert client.get("/api/orders", params={"status": "all"}).json() == []


def test_the_market_takes_orders_again_once_the_held_lock_is_released(
    server: InProcessServer, trader: TraderFactory
) -> None:
    _, _, client = trader(fresh=True)
    with market_locked(server.database_url, "BTC-USD"):
        assert client.post("/api/orders", json=ORDER, timeout=CLIENT_TIMEOUT).status_code == 503
    response = client.post("/api/orders", json=ORDER)
    assert response.status_code == 201, response.text
    assert client.get("/api/orders").json()[0]["id"] == response.json()["id"]
