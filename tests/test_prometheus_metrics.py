"""`GET /metrics` of the real app, parsed as Prometheus parses it: each metric moves by exactly what was done."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TraderFactory

SYMBOL = "BTC-USD"
OUTCOMES = ("open", "partially_filled", "filled", "expired", "rejected", "duplicate", "refused", "unavailable", "error")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def backend() -> str:
    """What is counted does not depend on the database: SQLite is enough."""
    return "sqlite"


def scrape(api: httpx.Client) -> Samples:
    """Every sample of `/metrics`, keyed by its name and labels."""
    response = api.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; a labelled series that was never moved is not exported, which counts as 0."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(api: httpx.Client, act: Callable[[], Any], read: Callable[[Samples], float]) -> float:
    """How much `read` of the metrics moved while `act` ran."""
    before = read(scrape(api))
    act()
    return read(scrape(api)) - before


def place(client: httpx.Client, status: int = 201, **order: Any) -> dict[str, Any]:
    response = client.post("/api/orders", json={"symbol": SYMBOL, "price": "50.00", "quantity": "0.1000"} | order)
    assert response.status_code == status, response.text
    return response.json()


def test_the_orders_counter_moves_by_exactly_the_outcomes_the_orders_had(
    api: httpx.Client, trader: TraderFactory
) -> None:
    _, _, seller = trader()
    _, _, buyer = trader()
    before = scrape(api)

    assert place(seller, side="sell", quantity="1.0000")["status"] == "open"
    assert place(buyer, side="buy", quantity="0.4000")["status"] == "filled"
    assert place(buyer, side="buy", quantity="1.0000")["status"] == "partially_filled"  # 0.6 fills, 0.4 rests
    assert place(seller, side="sell", post_only=True)["status"] == "rejected"  # would cross the bid at 50
    assert place(seller, side="sell", price="60.00", time_in_force="IOC")["status"] == "expired"
    place(buyer, 422, side="buy", price="50.001")  # not a multiple of the tick: refused by the market's rules
    place(buyer, side="buy", price="40.00", client_order_id="once")
    place(buyer, 200, side="buy", price="40.00", client_order_id="once")

    after = scrape(api)
    produced = {
        "open": 2,
        "filled": 1,
        "partially_filled": 1,
        "rejected": 1,
        "expired": 1,
        "refused": 1,
        "duplicate": 1,
    }
    counter = "orderbook_orders_total"
    for market in ("BTC-USD", "ETH-USD"):
        for outcome in OUTCOMES:
            labels = {"market": market, "outcome": outcome}
            change = value(after, counter, **labels) - value(before, counter, **labels)
            assert change == (produced.get(outcome, 0) if market == SYMBOL else 0), labels


def test_an_order_for_an_unknown_market_is_counted_as_refused_without_its_symbol_as_a_label(
    api: httpx.Client, trader: TraderFactory
) -> None:
    _, _, client = trader()

    change = moved(
        api,
        lambda: place(client, 422, symbol="NOPE-USD", side="buy"),
        lambda samples: value(samples, "orderbook_orders_total", market="unknown", outcome="refused"),
    )

    assert change == 1
    assert not [key for key in scrape(api) if ("market", "NOPE-USD") in key[1]]


def test_the_latency_histogram_counts_each_acknowledged_order_once(api: httpx.Client, trader: TraderFactory) -> None:
    _, _, client = trader()

    def three_placed_one_refused() -> None:
        for price in ("10.00", "11.00", "12.00"):
            place(client, side="buy", price=price)
        place(client, 422, side="buy", price="10.001")

    before = scrape(api)
    three_placed_one_refused()
    after = scrape(api)

    count = "orderbook_order_latency_seconds_count"
    assert value(after, count, market=SYMBOL) - value(before, count, market=SYMBOL) == 3
    total = "orderbook_order_latency_seconds_sum"
    assert value(after, total, market=SYMBOL) > value(before, total, market=SYMBOL)


def test_the_batch_size_histogram_sums_to_the_commands_the_writer_committed(
    api: httpx.Client, trader: TraderFactory
) -> None:
    _, _, client = trader()

    def three_placed_one_cancelled_one_reduced() -> None:
        orders = [place(client, side="buy", price=price, quantity="0.5000") for price in ("10.00", "11.00", "12.00")]
        assert client.delete(f"/api/orders/{orders[0]['id']}").status_code == 200
        assert client.patch(f"/api/orders/{orders[1]['id']}", json={"quantity": "0.2500"}).status_code == 200

    change = moved(
        api,
        three_placed_one_cancelled_one_reduced,
        lambda samples: value(samples, "orderbook_batch_commands_sum", market=SYMBOL),
    )

    assert change == 5


def test_the_push_fanout_histogram_counts_one_hand_out_per_committed_change(
    api: httpx.Client, trader: TraderFactory
) -> None:
    _, _, client = trader()

    change = moved(
        api,
        lambda: [place(client, side="buy", price=price) for price in ("20.00", "21.00")],
        lambda samples: value(samples, "orderbook_push_fanout_seconds_count"),
    )

    assert change == 2


def test_a_page_that_is_fetched_counts_as_held_but_not_connected(api: httpx.Client) -> None:
    before = scrape(api)

    assert api.get("/", headers={"Accept": "text/html"}).status_code == 200

    after = scrape(api)
    assert value(after, "orderbook_pages") == value(before, "orderbook_pages") + 1
    assert value(after, "orderbook_connected_pages") == value(before, "orderbook_connected_pages")


def test_the_process_and_garbage_collector_metrics_are_exported(api: httpx.Client) -> None:
    names = {name for name, _ in scrape(api)}

    assert {"process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"} <= names
    assert {"python_gc_collections_total", "python_gc_objects_collected_total"} <= names


def test_metrics_are_served_as_prometheus_text_format_0_0_4(api: httpx.Client) -> None:
    response = api.get("/metrics")

    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE orderbook_orders_total counter" in response.text
