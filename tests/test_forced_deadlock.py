"""A real PostgreSQL deadlock forced on a market's batch: the writer runs the batch again and the client never knows.

The test's own connection holds a trader's USD row while that trader's order is being placed, so the writer, which
locks the trader's rows in (trader, asset) order, holds BTC and waits for USD; then the test asks for the BTC row.
PostgreSQL breaks the cycle by aborting the transaction whose deadlock check runs first: the writer's, which waited
first (the test's check is put off).
"""

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from app.exchange.writer import DEADLOCK_RETRIES
from tests.conftest import TraderFactory
from tests.funds_support import funds_problems, read_funds
from tests.in_process import InProcessServer

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True, scope="module")

ORDER = {"symbol": "BTC-USD", "side": "buy", "price": "100.00", "quantity": "0.0100"}
WAIT = 20.0  # seconds: the writer blocked behind the test's lock, seen in pg_stat_activity


def wait_until_blocked_by(watcher: psycopg.Connection, pid: int) -> None:
    """Until some backend waits for a lock that backend `pid` holds."""
    deadline = time.monotonic() + WAIT
    query = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
    while watcher.execute(query, (pid,)).fetchone() == (0,):
        assert time.monotonic() < deadline, f"nothing waited for backend {pid}'s lock"
        time.sleep(0.02)


def test_a_deadlocked_batch_is_run_again_and_the_order_is_placed_once_with_the_money_right(
    server: InProcessServer, trader: TraderFactory
) -> None:
    me = trader(fresh=True)
    url = server.database_url.replace("+psycopg", "")
    offset = server.log_size()
    with psycopg.connect(url) as test, psycopg.connect(url, autocommit=True) as watcher:
        test.execute("SET deadlock_timeout = '60s'")  # so that the writer's check, after 1 s, finds the cycle first
        found = test.execute("SELECT id FROM traders WHERE username = %s", (me.username,)).fetchone()
        assert found is not None
        test.execute("SELECT * FROM balances WHERE trader_id = %s AND asset = 'USD' FOR UPDATE", found)
        with ThreadPoolExecutor(1) as pool:
            placing = pool.submit(me.client.post, "/api/orders", json=ORDER, timeout=WAIT)
            wait_until_blocked_by(watcher, test.info.backend_pid)  # the writer holds BTC, waits for USD
            test.execute("SELECT * FROM balances WHERE trader_id = %s AND asset = 'BTC' FOR UPDATE", found)  # a cycle
            test.rollback()  # the writer was the one: its second attempt goes through
            answer = placing.result()

    assert answer.status_code == 201, answer.text
    log = server.log()[offset:]
    # Once, or again if the writer's rerun took the BTC row before the test's waiting query woke up: all deadlocks.
    rollbacks = log.count("rolled back")
    assert 1 <= rollbacks < DEADLOCK_RETRIES, log
    assert log.count("rolled back: (psycopg.errors.DeadlockDetected)") == rollbacks, log
    orders = me.client.get("/api/orders", params={"status": "all"}).json()
    assert [order["id"] for order in orders] == [answer.json()["id"]]
    assert funds_problems(read_funds(server.database_url)) == []
