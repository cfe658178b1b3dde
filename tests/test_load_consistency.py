"""Under a steady order flow, 30 watching tabs each end up showing exactly the server's book, never an older state.

The tabs are simulated socket.io clients that rebuild the page's element tree from NiceGUI's `update` messages
(tests/sim_clients.py); the scenario is `bench.bench_soak.run_load`, which the bench runs for a full minute. The
order flow (limit orders, some crossing, and cancels) comes from 2 processes of its own, as from other machines.
"""

import asyncio
from decimal import Decimal

import httpx
import pytest

from bench.bench_soak import LoadReport, run_load
from tests.servers import ServerProcess, register_trader

pytestmark = [
    pytest.mark.process,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module"),
]


SYMBOL = "BTC-USD"
MID = Decimal("30000.00")
TABS = 30
SECONDS = 15.0  # the full minute is bench/bench_soak.py
TRADERS = 6
IN_FLIGHT = 8  # requests per trader


def seed_book(trader: httpx.Client, levels: int = 12) -> None:
    """Resting levels beyond the flow's price range, so that both ladders are full from the start."""
    for level in range(1, levels + 1):
        for side, price in (("buy", MID - 20 - level), ("sell", MID + 20 + level)):
            body = {"symbol": SYMBOL, "side": side, "price": str(price), "quantity": "0.0100"}
            trader.post("/api/orders", json=body).raise_for_status()


@pytest.fixture(scope="module")
def server(server_process: ServerProcess) -> ServerProcess:
    """A real `python main.py`: its sockets and its memory are what these tests are about."""
    return server_process


@pytest.fixture(scope="module")
def report(server: ServerProcess) -> LoadReport:
    """One load run shared by the tests of this module."""
    seeder = register_trader(server.base_url)
    with seeder.client:
        seed_book(seeder.client)
    keys = [register_trader(server.base_url).api_key for _ in range(TRADERS)]
    result = asyncio.run(
        run_load(
            server.base_url, keys, pages=TABS, seconds=SECONDS, symbol=SYMBOL, mid=MID, workers_per_trader=IN_FLIGHT
        )
    )
    print(
        f"\n{result.pages} tabs, {result.seconds:.1f} s: {result.orders_per_s:.0f} orders/s placed "
        f"({result.requests_per_s:.0f} requests/s with cancels), {result.updates} updates applied, "
        f"{result.mismatches} mismatched after the settle ({result.late_pages} only late), "
        f"{result.regressions} regressions, longest silence {result.longest_silence:.1f} s, "
        f"RSS {result.rss_before_kib} -> {result.rss_after_kib} KiB"
    )
    return result


def test_the_order_flow_is_acknowledged_without_errors(report: LoadReport) -> None:
    assert report.flow_errors == []
    assert report.placed > 0


def test_every_tab_ends_showing_the_servers_sequence_book_and_tape(report: LoadReport) -> None:
    assert report.mismatches == 0, report.examples


def test_no_tab_ever_shows_an_older_state_or_a_crossed_book(report: LoadReport) -> None:
    # Each tab's hidden `.ob-sequence` label and its tape's newest trade id, at every update it received.
    assert report.regressions == 0
    assert report.bad_states == 0


def test_no_tab_misses_a_message(report: LoadReport) -> None:
    assert report.lost_messages == 0


def test_every_book_delta_starts_at_the_tabs_sequence_and_ends_on_its_checksum(report: LoadReport) -> None:
    assert report.delta_failures == 0
    assert report.updates > 0


def test_the_server_logs_no_error(report: LoadReport, server: ServerProcess) -> None:
    server.assert_clean_log()
