"""Crash safety: SIGKILL the server amid concurrent order flow, restart it, and nothing acknowledged is lost.

Each backend runs several kill points on one database, so state accumulates from one crash to the next. The checks
compare what clients were told (2xx answers only), what the restarted server shows and what the database holds. The
traders are funded at registration (ORDERBOOK_STARTING_BALANCES), so every fill settles: after each restart the money
adds up (tests/funds_support.py) and every fill an answer showed is stored with the fee it showed.
"""

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.crash_support import SYMBOLS, Ack, Desk, FlowRecord, Stored, api_book, read_stored
from tests.funds_support import Funds, funds_problems, read_funds
from tests.servers import ServerProcess, register_trader

pytestmark = pytest.mark.process

KILL_POINTS = 3
TRADERS = 4
DESKS = 8  # client threads, two per trader: they also meet each other's orders (self-trade prevention)
KILL_DELAY = (0.5, 2.5)  # seconds of flow after the first acknowledgement
STARTING = {"USD": Decimal(100_000), "BTC": Decimal(1_000), "ETH": Decimal(1_000)}
FUNDED = {"ORDERBOOK_STARTING_BALANCES": ",".join(f"{asset}={amount}" for asset, amount in STARTING.items())}


@dataclass
class Crash:
    """One kill point: what clients were told before the kill, and what the restarted server and database show."""

    delay: float
    acks: dict[int, Ack]  # every order acknowledged so far, in its latest acknowledged state
    unknown: int  # requests the kill left unanswered
    seen_sequence: dict[str, int]  # the highest sequence any answer showed before the kill
    read_back: dict[int, Ack | None]  # GET /api/orders/{id} as its owner after the restart
    books: dict[str, dict[str, Any]]  # GET /book after the restart
    stored: Stored
    funds: Funds  # read with `stored`, before the probes
    fees: dict[tuple[int, int], str]  # (trade id, order id) -> fee, of every fill answered so far
    sequences_after: dict[str, list[int]]  # book sequence after the restart, after a new order, after its cancel


@dataclass
class CrashRun:
    """Every kill point of one backend, every placement sent, and the error lines of every server's log."""

    crashes: list[Crash] = field(default_factory=list)
    client_order_ids: set[str] = field(default_factory=set)
    log_errors: list[str] = field(default_factory=list)


def kill(server: ServerProcess) -> None:
    """SIGKILL the server's whole process group: no shutdown code runs."""
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    server.stop()  # only closes the log file now


def run_flow_until_killed(server: ServerProcess, desks: list[Desk], delay: float) -> FlowRecord:
    """Trade from every desk; once something is acknowledged, wait `delay` seconds and kill the server."""
    record, stop = FlowRecord(), threading.Event()
    threads = [threading.Thread(target=desk.trade_until_killed, args=(server.base_url, record, stop)) for desk in desks]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while not record.acks and time.monotonic() < deadline:
            time.sleep(0.01)
        assert record.acks, "no order was acknowledged within 60 s"
        time.sleep(delay)
    finally:
        kill(server)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client thread hangs after the kill"
    return record


def read_back(base_url: str, desks: list[Desk], acks: dict[int, Ack]) -> dict[int, Ack | None]:
    """Every acknowledged order as its owner reads it now (None when it is not found)."""
    keys = {desk.owner: desk.api_key for desk in desks}

    def read_owned(owner: int) -> dict[int, Ack | None]:
        found: dict[int, Ack | None] = {}
        headers = {"Authorization": f"Bearer {keys[owner]}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            for order_id in (ack.order_id for ack in acks.values() if ack.owner == owner):
                response = client.get(f"/api/orders/{order_id}")
                assert response.status_code in (200, 404), response.text
                found[order_id] = Ack.of(owner, response.json()) if response.status_code == 200 else None
        return found

    with ThreadPoolExecutor(len(keys)) as pool:
        return {order_id: ack for part in pool.map(read_owned, sorted(keys)) for order_id, ack in part.items()}


def book(client: httpx.Client, symbol: str) -> dict[str, Any]:
    response = client.get(f"/api/markets/{symbol}/book", params={"depth": 500})
    assert response.status_code == 200, response.text
    return response.json()


def place_and_cancel(
    client: httpx.Client, desk: Desk, name: str, run: CrashRun
) -> tuple[dict[str, list[int]], list[Ack]]:
    """A new order and its cancel in each market: the book sequences they leave, and their acknowledgements."""
    sequences: dict[str, list[int]] = {}
    acks: list[Ack] = []
    for symbol in SYMBOLS:
        seen = [book(client, symbol)["sequence"]]
        run.client_order_ids.add(client_order_id := f"{name}-{symbol}")
        body = {"symbol": symbol, "side": "buy", "price": "50.00", "quantity": "0.05"}
        body["client_order_id"] = client_order_id
        placed = client.post("/api/orders", json=body)
        assert placed.status_code == 201, placed.text
        seen.append(book(client, symbol)["sequence"])
        cancelled = client.delete(f"/api/orders/{placed.json()['id']}")
        assert cancelled.status_code == 200, cancelled.text
        seen.append(book(client, symbol)["sequence"])
        sequences[symbol] = seen
        acks.append(Ack.of(desk.owner, cancelled.json()))
    return sequences, acks


@pytest.fixture(scope="module")
def crash_run(
    backend: str, new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CrashRun]:
    """Flow, SIGKILL at a seeded random moment, restart on the same database, observe: KILL_POINTS times."""
    url, logs, rng = new_database_url(), tmp_path_factory.mktemp("crash-logs"), random.Random(f"crash-{backend}")
    servers = [ServerProcess(url, logs / "server-0.log", environment=FUNDED).start()]
    run, acks, fees = CrashRun(), dict[int, Ack](), dict[tuple[int, int], str]()
    try:
        with ThreadPoolExecutor(TRADERS) as pool:
            traders = list(pool.map(lambda _: register_trader(servers[0].base_url), range(TRADERS)))
        for trader in traders:
            trader.client.close()
        desks = [Desk(i, i % TRADERS, traders[i % TRADERS].api_key, random.Random(rng.random())) for i in range(DESKS)]
        for point in range(1, KILL_POINTS + 1):
            delay = rng.uniform(*KILL_DELAY)
            record = run_flow_until_killed(servers[-1], desks, delay)
            acks.update(record.acks)
            fees.update(record.fees)
            run.client_order_ids |= record.client_order_ids
            servers.append(server := ServerProcess(url, logs / f"server-{point}.log", environment=FUNDED).start())
            read = read_back(server.base_url, desks, acks)
            with desks[0].client(server.base_url) as client:
                books = {symbol: book(client, symbol) for symbol in SYMBOLS}
                stored, funds = read_stored(url), read_funds(url)
                sequences, probes = place_and_cancel(client, desks[0], f"probe-{point}", run)
            seen = dict(record.max_sequence)
            run.crashes.append(
                Crash(delay, dict(acks), record.unknown, seen, read, books, stored, funds, dict(fees), sequences)
            )
            unacked = len(stored.orders.keys() - acks.keys())  # placed by requests the kill left unanswered
            print(
                f"\n{backend} kill point {point}: {delay:.2f} s after the first ack, {len(record.acks)} orders acked"
                f" ({record.unknown} requests unanswered, {unacked} unacknowledged orders stored so far),"
                f" {len(acks)} acked orders checked, {len(stored.orders)} orders and {len(stored.trades)} trades stored"
            )
            acks.update((ack.order_id, ack) for ack in probes)
        servers[-1].stop()
    finally:
        for server in servers:
            server.stop()
    run.log_errors = [line for server in servers for line in server.error_lines()]
    yield run


def test_every_acknowledged_order_is_stored_in_its_acknowledged_state_or_a_later_one(crash_run: CrashRun) -> None:
    # Read past the app, straight from the database: what the restarted server shows is checked below.
    for number, crash in enumerate(crash_run.crashes, 1):
        stored = crash.stored.orders
        missing = [order_id for order_id in crash.acks if order_id not in stored]
        assert not missing, f"kill point {number}: acknowledged orders not stored: {missing[:10]}"
        regressed = {
            order_id: problem
            for order_id, ack in crash.acks.items()
            if (problem := ack.later_state_problem(stored[order_id].state(ack.owner)))
        }
        assert not regressed, f"kill point {number}: {dict(list(regressed.items())[:10])}"


def test_the_restarted_server_shows_every_acknowledged_order_in_its_acknowledged_state_or_a_later_one(
    crash_run: CrashRun,
) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        missing = [order_id for order_id, now in crash.read_back.items() if now is None]
        assert not missing, f"kill point {number}: acknowledged orders lost: {missing[:10]}"
        regressed = {
            order_id: problem
            for order_id, ack in crash.acks.items()
            if (now := crash.read_back[order_id]) is not None and (problem := ack.later_state_problem(now))
        }
        assert not regressed, f"kill point {number}: {dict(list(regressed.items())[:10])}"


def test_the_rebuilt_book_equals_the_book_recomputed_from_the_stored_orders(crash_run: CrashRun) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        for symbol in SYMBOLS:
            assert api_book(crash.books[symbol]) == crash.stored.book(symbol), f"kill point {number}, {symbol}"


def test_every_order_is_filled_by_exactly_its_stored_trades_and_never_beyond_its_quantity(crash_run: CrashRun) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        traded = crash.stored.traded_quantity()
        for order in crash.stored.orders.values():
            where = f"kill point {number}, order {order}"
            assert order.filled_quantity == traded.get(order.order_id, Decimal(0)), where
            assert Decimal(0) <= order.filled_quantity <= order.quantity, where
            assert (order.status == "filled") == (order.filled_quantity == order.quantity), where


def test_every_trade_joins_two_stored_orders_of_opposite_sides_exactly_once(crash_run: CrashRun) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        orders = crash.stored.orders
        pairs = Counter((trade.taker_order_id, trade.maker_order_id) for trade in crash.stored.trades)
        assert [pair for pair, count in pairs.items() if count > 1] == [], f"kill point {number}: duplicated fills"
        for trade in crash.stored.trades:
            taker, maker = orders.get(trade.taker_order_id), orders.get(trade.maker_order_id)
            assert taker is not None and maker is not None, f"kill point {number}: half-written {trade}"
            assert taker.symbol == maker.symbol == trade.symbol, trade
            assert taker.side == trade.taker_side != maker.side, trade
            assert maker.price == trade.price, trade


def test_total_bought_equals_total_sold_in_every_market(crash_run: CrashRun) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        for symbol in SYMBOLS:
            filled = {side: Decimal(0) for side in ("buy", "sell")}
            for order in crash.stored.orders.values():
                if order.symbol == symbol:
                    filled[order.side] += order.filled_quantity
            traded = sum((trade.quantity for trade in crash.stored.trades if trade.symbol == symbol), Decimal(0))
            assert filled["buy"] == filled["sell"] == traded, f"kill point {number}, {symbol}"


def test_no_order_is_stored_that_no_client_sent(crash_run: CrashRun) -> None:
    stored = crash_run.crashes[-1].stored.orders.values()
    assert [order for order in stored if order.client_order_id not in crash_run.client_order_ids] == []


def test_the_sequence_only_moves_forward_across_kills_and_with_new_orders(crash_run: CrashRun) -> None:
    after_previous = dict.fromkeys(SYMBOLS, 0)
    for number, crash in enumerate(crash_run.crashes, 1):
        for symbol in SYMBOLS:
            where = f"kill point {number}, {symbol}"
            stored = crash.stored.sequences[symbol]
            assert stored >= max(crash.seen_sequence[symbol], after_previous[symbol]), where
            assert crash.books[symbol]["sequence"] == stored, where
            order_sequences = [order.sequence for order in crash.stored.orders.values() if order.symbol == symbol]
            trade_sequences = [trade.sequence for trade in crash.stored.trades if trade.symbol == symbol]
            assert max(order_sequences + trade_sequences, default=0) <= stored, where  # the batch moved it too
            at_restart, after_order, after_cancel = crash.sequences_after[symbol]
            assert stored <= at_restart < after_order < after_cancel, where
            after_previous[symbol] = after_cancel


def test_after_every_kill_balances_plus_fees_equal_the_ledger_and_holds_equal_the_resting_orders(
    crash_run: CrashRun,
) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        assert crash.funds.trades, f"kill point {number}: nothing traded, so nothing settled"
        assert funds_problems(crash.funds) == [], f"kill point {number}"


def test_every_fill_an_answer_showed_is_stored_and_settled_with_the_fee_it_showed(crash_run: CrashRun) -> None:
    for number, crash in enumerate(crash_run.crashes, 1):
        trades = {trade.id: trade for trade in crash.funds.trades}
        assert crash.fees, f"kill point {number}: no answer showed a fill"
        for (trade_id, order_id), fee in crash.fees.items():
            trade = trades.get(trade_id)
            assert trade is not None, f"kill point {number}: acknowledged fill {trade_id} not stored"
            assert order_id in (trade.maker_order_id, trade.taker_order_id), (number, trade, order_id)
            stored_fee = trade.maker_fee if order_id == trade.maker_order_id else trade.taker_fee
            assert Decimal(fee) == stored_fee, f"kill point {number}: trade {trade_id} answered fee {fee}"
        # And its settlement is there: funds_problems above finds any stored trade whose fill did not move balances.


def test_restarts_credit_nothing_the_only_money_in_is_each_traders_starting_deposit(crash_run: CrashRun) -> None:
    funds = crash_run.crashes[-1].funds
    assert funds.ledger_kinds == {"deposit"}
    assert funds.ledger == {(trader, asset): STARTING[asset] for trader, asset in funds.ledger}
    assert len(funds.ledger) == TRADERS * len(STARTING)


def test_no_server_logged_an_error(crash_run: CrashRun) -> None:
    assert crash_run.log_errors == []
