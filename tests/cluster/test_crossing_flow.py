"""Crossing order flow through both instances at once: one matching per market across processes, books that agree."""

import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.cluster.cluster import Cluster
from tests.cluster.flow import SequenceWatch, flowing, lost_acknowledgements, make_desks
from tests.crash_support import SYMBOLS, FlowRecord, Stored, api_book, read_stored

# The flow goes on until this many orders were acknowledged and fills seen.
FLOW_ACKS, FLOW_FILLS = 300, 30
DESKS = 8  # 4 threads against each instance
TRADERS = 4


@dataclass
class FlowRun:
    record: FlowRecord
    watch: SequenceWatch
    stored: Stored
    books: dict[tuple[str, str], dict[str, Any]]  # (instance, market) -> GET /book once the flow stopped
    lost: list[str]


def settled_book(base_url: str, symbol: str, sequence: int) -> dict[str, Any]:
    """The instance's book once it has caught up with the stored sequence (it polls the database for others' work)."""
    deadline = time.monotonic() + 10
    while True:
        body = httpx.get(f"{base_url}/api/markets/{symbol}/book", params={"depth": 500}, timeout=10).json()
        if body["sequence"] >= sequence or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.fixture(scope="module")
def flow_run(cluster: Cluster) -> FlowRun:
    desks = make_desks(cluster.base_url, DESKS, TRADERS, seed="cluster-crossing")
    urls = {name: cluster.instance(name).base_url for name in cluster.names()}
    routes = [(desk, urls[cluster.names()[desk.desk % 2]]) for desk in desks]
    with flowing(routes, urls) as (record, watch):
        record.wait_for(acks=FLOW_ACKS, fills=FLOW_FILLS)
    stored = read_stored(cluster.database_url)
    books = {
        (name, symbol): settled_book(url, symbol, stored.sequences[symbol])
        for name, url in urls.items()
        for symbol in SYMBOLS
    }
    lost = lost_acknowledgements(urls["instance2"], desks, record.acks)
    print(f"\n{len(record.acks)} orders acknowledged, {len(stored.trades)} trades, sequences {stored.sequences}")
    return FlowRun(record, watch, stored, books, lost)


def test_the_flow_crossed_through_both_instances(flow_run: FlowRun) -> None:
    assert len(flow_run.record.acks) > 50
    assert len(flow_run.stored.trades) > 10
    assert flow_run.record.unknown == 0


def test_no_order_is_filled_twice_or_beyond_its_quantity(flow_run: FlowRun) -> None:
    traded = flow_run.stored.traded_quantity()
    for order in flow_run.stored.orders.values():
        assert order.filled_quantity == traded.get(order.order_id, Decimal(0)), order
        assert Decimal(0) <= order.filled_quantity <= order.quantity, order
    pairs = Counter((trade.taker_order_id, trade.maker_order_id) for trade in flow_run.stored.trades)
    assert [pair for pair, count in pairs.items() if count > 1] == []


def test_every_instances_book_equals_the_resting_orders_at_the_stored_sequence(flow_run: FlowRun) -> None:
    for (name, symbol), book in flow_run.books.items():
        assert book["sequence"] == flow_run.stored.sequences[symbol], (name, symbol)
        assert api_book(book) == flow_run.stored.book(symbol), (name, symbol)


def test_every_sequence_only_moves_forward(flow_run: FlowRun) -> None:
    assert flow_run.watch.backwards() == []
    for symbol in SYMBOLS:
        trades = [trade.sequence for trade in flow_run.stored.trades if trade.symbol == symbol]
        orders = [order.sequence for _, order in sorted(flow_run.stored.orders.items()) if order.symbol == symbol]
        assert trades == sorted(trades) and orders == sorted(orders), symbol
        assert max(trades + orders, default=0) <= flow_run.stored.sequences[symbol]
    assert all(len(set(seen)) > 1 for seen in flow_run.watch.seen.values())  # each instance saw the flow move


def test_every_acknowledged_order_is_stored_in_that_state_or_a_later_one(flow_run: FlowRun) -> None:
    assert flow_run.lost == []
