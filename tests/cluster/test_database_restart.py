"""PostgreSQL restarted mid-flow: 503s with Retry-After while it is down, then the same instances carry on alone.

The database is a throwaway cluster of this test's own (tests/own_postgres.py), so that restarting it disturbs no
other test on 127.0.0.1:5432.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import OpenPage, place, server_book
from tests.browser.pages import TIMEOUT, eventually
from tests.cluster.cluster import Cluster, running_cluster
from tests.cluster.conftest import open_pinned
from tests.cluster.flow import flowing, lost_acknowledgements, make_desks
from tests.crash_support import SYMBOLS, api_book, read_stored
from tests.own_postgres import OwnPostgres, own_postgres
from tests.servers import register_trader

SHOWN_DEPTH = 12  # levels a side the page's ladder shows (components/orderbook.py DEPTH)
DOWN_SECONDS = 3.0


@pytest.fixture
def restartable() -> Iterator[OwnPostgres]:
    with own_postgres() as postgres:
        yield postgres


@pytest.fixture
def cluster_on_restartable(restartable: OwnPostgres, tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(restartable.create_database("orderbook"), tmp_path) as cluster:
        yield cluster


def test_a_database_restart_mid_flow_is_ridden_out_without_restarting_the_app_or_losing_an_acknowledged_order(
    restartable: OwnPostgres, cluster_on_restartable: Cluster, open_page: OpenPage
) -> None:
    cluster = cluster_on_restartable
    pids = [instance.process.pid for instance in cluster.instances if instance.process is not None]
    pages = [open_pinned(open_page, cluster, name).open("BTC-USD") for name in cluster.names()]
    for page in pages:
        page.mark_document()
    desks = make_desks(cluster.base_url, 4, 2, seed="cluster-pg-restart")
    urls = {name: cluster.instance(name).base_url for name in cluster.names()}
    routes = [(desk, urls[cluster.names()[desk.desk % 2]]) for desk in desks]
    with flowing(routes, urls) as (record, watch):
        eventually(lambda: len(record.acks), lambda acked: acked > 30, "30 orders acknowledged", TIMEOUT * 3)
        restartable.stop()
        time.sleep(DOWN_SECONDS / 2)
        down = {name: httpx.get(f"{url}/api/health", timeout=10) for name, url in urls.items()}
        refused = httpx.get(f"{urls['instance1']}/api/orders", headers={"Authorization": "Bearer x"}, timeout=10)
        acked_while_down = len(record.acks)
        time.sleep(DOWN_SECONDS / 2)
        restartable.start()
        eventually(lambda: len(record.acks), lambda acked: acked > acked_while_down + 30, "30 more acks", TIMEOUT * 3)

    for name, answer in down.items():
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "1", (name, answer.text)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1", refused.text
    assert [instance.process.pid for instance in cluster.instances if instance.process] == pids, "an instance restarted"
    cluster.wait_until_every_instance_is_up()

    # After the restart, an order through one instance still reaches the other's tab: it follows the database again.
    trader = register_trader(urls["instance1"])
    place(trader, "sell", "77777.77", "0.0077")
    stored = read_stored(cluster.database_url)
    for page in pages:
        page.wait_for_level("asks", "77777.77", "0.0077")
        expected = server_book(urls["instance1"], depth=SHOWN_DEPTH)
        page.wait_for_book(lambda shown, expected=expected: shown == expected, "the stored book on the page")
        assert page.document_is_marked(), "a page reloaded"
    stored = read_stored(cluster.database_url)
    for url in urls.values():
        for symbol in SYMBOLS:
            book = httpx.get(f"{url}/api/markets/{symbol}/book", params={"depth": 500}, timeout=10).json()
            assert api_book(book) == stored.book(symbol), (url, symbol)
    assert lost_acknowledgements(urls["instance2"], desks, record.acks) == []
    assert watch.backwards() == []
    trader.client.delete("/api/orders")
    trader.client.close()
