"""SIGKILL one instance mid-flow: its tabs come back through the proxy on the other; no acknowledged order is lost."""

import httpx

from tests.browser.conftest import OpenPage, server_book
from tests.browser.pages import TIMEOUT, eventually
from tests.cluster.cluster import Cluster
from tests.cluster.conftest import open_pinned, serving_instance
from tests.cluster.flow import flowing, lost_acknowledgements, make_desks
from tests.crash_support import SYMBOLS, api_book, read_stored
from tests.servers import ServerProcess

SHOWN_DEPTH = 12  # levels a side the page's ladder shows (components/orderbook.py DEPTH)
FAILOVER_TIMEOUT = 30.0  # s: the proxy's checks (2 x 1 s), socket.io's reconnect back-off, the reload


def shown_book(survivor: ServerProcess, symbol: str = "BTC-USD") -> dict:
    return server_book(survivor.base_url, symbol, depth=SHOWN_DEPTH)


def test_killing_an_instance_mid_flow_moves_its_tabs_to_the_other_and_loses_no_acknowledged_order(
    fresh_cluster: Cluster, open_page: OpenPage
) -> None:
    cluster = fresh_cluster
    desks = make_desks(cluster.base_url, 6, 3, seed="cluster-kill")
    on_doomed = open_pinned(open_page, cluster, "instance1").open("BTC-USD")
    on_survivor = open_pinned(open_page, cluster, "instance2").open("BTC-USD")
    on_survivor.mark_document()
    urls = {name: cluster.instance(name).base_url for name in cluster.names()}
    # Each desk's client keeps the proxy's cookie: half of them are pinned to the instance that dies.
    with flowing([(desk, cluster.base_url) for desk in desks], urls) as (record, watch):
        eventually(lambda: len(record.acks), lambda acked: acked > 40, "40 orders acknowledged", TIMEOUT * 3)
        cluster.kill("instance1")
        acked_at_kill = len(record.acks)
        # The flow goes on through the survivor.
        eventually(lambda: len(record.acks), lambda acked: acked >= acked_at_kill + 40, "40 more acks", TIMEOUT * 3)
    survivor = cluster.instance("instance2")

    assert len(record.acks) > acked_at_kill, "no order was acknowledged after the kill"
    eventually(lambda: serving_instance(on_doomed), "instance2".__eq__, "the tab on instance2", FAILOVER_TIMEOUT)
    on_doomed.wait_until_connected()
    for page in (on_doomed, on_survivor):
        page.wait_for_book(lambda shown: shown == shown_book(survivor), "the survivor's book on the page")
    assert on_survivor.document_is_marked(), "the survivor's own tab reloaded"
    assert lost_acknowledgements(survivor.base_url, desks, record.acks) == []
    assert watch.backwards() == []
    stored = read_stored(cluster.database_url)
    for symbol in SYMBOLS:
        book = httpx.get(f"{survivor.base_url}/api/markets/{symbol}/book", params={"depth": 500}, timeout=10).json()
        assert api_book(book) == stored.book(symbol), symbol
