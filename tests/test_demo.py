"""The demo market (`--demo`): both sides of the book always quoted, and a history that fills every chart interval,
seeded once however many instances start on one database."""

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import func, select

from app.demo import MIN_LEVELS, seed_history
from app.domain.rules import MarketRules
from app.store.candles import candles
from app.store.db import Database, connect
from models import Market, Trade
from tests.in_process import InProcessServer

NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)
START = Decimal("65000")


def btc_usd(database: Database) -> MarketRules:
    with database.read() as session:
        market = session.exec(select(Market).where(Market.symbol == "BTC-USD")).one()
    return MarketRules.of(market)


def trade_count(database: Database, rules: MarketRules) -> int:
    with database.read() as session:
        return session.exec(select(func.count()).where(Trade.market_id == rules.id)).one()


@pytest.mark.parametrize("interval", ["1m", "5m", "1h", "1d"])
def test_the_seeded_history_fills_every_intervals_chart_with_candles_of_their_own(
    database: Database, interval: str
) -> None:
    rules = btc_usd(database)
    seed_history(database, rules, START, NOW, random.Random(1))

    with database.read() as session:
        shown = candles(session, rules, interval, 120, NOW)  # type: ignore[arg-type]

    assert len(shown) == 120  # not one fat candle: the chart is full from the start
    moved = [candle for candle in shown if candle.high != candle.low]
    assert len(moved) >= 100, f"only {len(moved)} of 120 candles have a range"
    assert shown[-1].close == rules.price_text(START) or abs(Decimal(shown[-1].close) - START) < START / 100


def test_the_seeded_trades_are_exact_prices_on_the_tick_and_quantities_on_the_lot(database: Database) -> None:
    rules = btc_usd(database)
    seed_history(database, rules, START, NOW, random.Random(2))
    with database.read() as session:
        trades = session.exec(select(Trade).where(Trade.market_id == rules.id)).all()
    assert all(isinstance(t.price, Decimal) and t.price % rules.tick_size == 0 for t in trades)
    assert all(isinstance(t.quantity, Decimal) and t.quantity % rules.lot_size == 0 and t.quantity > 0 for t in trades)


def test_a_restart_does_not_seed_the_history_again(database: Database) -> None:
    rules = btc_usd(database)
    first = seed_history(database, rules, START, NOW, random.Random(3))

    again = seed_history(database, rules, START, NOW, random.Random(4))

    assert first > 0 and again == 0
    assert trade_count(database, rules) == first


def test_instances_starting_together_seed_the_history_once(database: Database) -> None:
    rules = btc_usd(database)
    # Each "instance" with engines of its own on the same database, starting at the same moment.
    instances = [connect(database.url) for _ in range(3)]
    seeded: list[int] = []
    start = threading.Barrier(len(instances))

    def start_instance(instance: Database, seed: int) -> None:
        start.wait()
        seeded.append(seed_history(instance, rules, START, NOW, random.Random(seed)))

    threads = [threading.Thread(target=start_instance, args=(d, n)) for n, d in enumerate(instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for instance in instances:
        instance.dispose()

    assert sorted(seeded)[:-1] == [0, 0] and seeded[0] + seeded[1] + seeded[2] > 0
    assert trade_count(database, rules) == max(seeded)


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    return {"ORDERBOOK_DEMO": "1"}


@pytest.fixture
def demo(server: InProcessServer) -> Iterator[InProcessServer]:
    yield server


def test_the_demo_quotes_both_sides_at_once_and_keeps_them_quoted(demo: InProcessServer) -> None:
    with demo.client() as client:

        def levels() -> tuple[int, int]:
            book = client.get("/api/markets/BTC-USD/book").json()
            return len(book["bids"]), len(book["asks"])

        deadline = time.monotonic() + 30
        while max(levels()) == 0:  # the demo's traders register and the history is seeded first
            assert time.monotonic() < deadline, "the demo quoted nothing"
            time.sleep(0.02)
        # Its first orders quote both sides, in turns: not a side at a time, at three orders a second, leaving the
        # page saying "No asks" for seconds.
        first = time.monotonic()
        while min(levels()) < MIN_LEVELS:
            assert time.monotonic() - first < 2, f"2 s after its first order the book is {levels()} (bids, asks)"
            time.sleep(0.02)
        # From then on the takers and the cancels of the oldest orders never leave a side empty.
        samples = []
        until = time.monotonic() + 3
        while time.monotonic() < until:
            samples.append(levels())
            time.sleep(0.05)
    assert all(bids and asks for bids, asks in samples), samples
