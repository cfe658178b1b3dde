"""The streaming API's private side against a real server: order entry answered as REST answers, acknowledged orders
stored, each trader's own orders, fills and balances, and the dead-man switch (cancel_on_disconnect)."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.funds import credit
from tests.servers import ServerProcess, Trader, register_trader, sqlite_url
from tests.stream_support import PrivateClient

pytestmark = pytest.mark.process


def stream_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/api/ws"


BTC = "BTC-USD"
DEAD_MAN_DEADLINE = 2.0  # s: the contract's bound for cancelling a closed socket's orders
PING_INTERVAL = 1.0  # s: this module's server pings each socket this often, and waits as long for the pong


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    # Protocol pings every second, so that a client that stops answering them is found out within seconds.
    return {"ORDERBOOK_WS_PING_INTERVAL": str(PING_INTERVAL)}


@pytest.fixture(scope="module")
def server(server_process: ServerProcess) -> ServerProcess:
    return server_process


@pytest.fixture
def fresh(server: ServerProcess) -> Iterator[Callable[[], Trader]]:
    """Registers traders for one test; closes their clients after it."""
    made: list[Trader] = []

    def make() -> Trader:
        made.append(register_trader(server.base_url))
        return made[-1]

    yield make
    for trader in made:
        trader.client.close()


def resting(price: str, quantity: str = "1.0000", side: str = "buy", **more: Any) -> dict:
    return {"symbol": BTC, "side": side, "price": price, "quantity": quantity, **more}


# Bodies of POST /api/orders, good and bad. Buys far below the market and sells far above it never trade, so the
# REST trader's orders and the stream trader's meet the same book.
PLACE_TABLE: list[Any] = [
    resting("1.00", client_order_id="first"),
    resting("1.00", client_order_id="first"),  # the same client_order_id again: 200 and the original order
    resting("1.005"),  # off the tick
    resting("1.00", "0.00001"),  # off the lot
    resting("0.01", "1.0000"),  # under the minimum notional
    {"side": "buy", "price": "1.00", "quantity": "1"},  # no symbol
    resting("1.00", symbol="NOPE-USD"),
    resting("1.00", side="sideways"),
    {"symbol": BTC, "side": "buy", "type": "market", "price": "1.00", "quantity": "1"},
    resting("1.00", time_in_force="IOC", post_only=True),
    resting("1.00", post_only="yes"),
    resting("1.00", client_order_id=""),
    resting("900000.00", "5000000.0000", side="sell"),  # more than the trader has
    [1, 2],
    "an order",
]


def without_ids(value: Any) -> Any:
    """An answer with what differs between two traders' identical orders left out: ids (also in a detail's text)
    and timestamps."""
    if isinstance(value, dict):
        return {key: without_ids(item) for key, item in value.items() if key not in ("id", "created_at", "updated_at")}
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    if isinstance(value, str):
        return re.sub(r"order \d+", "order N", value)
    return value


def streamed(answer: dict) -> tuple[int, Any]:
    body = answer.get("order", answer.get("orders", answer.get("detail")))
    return answer["status"], body if "detail" not in answer else {"detail": body}


def test_placing_over_the_stream_answers_each_body_with_the_rest_routes_status_and_body(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    rest, ws_trader = fresh(), fresh()
    by_rest = []
    for body in PLACE_TABLE:
        response = rest.client.post("/api/orders", json=body)
        by_rest.append((response.status_code, without_ids(response.json())))
    with PrivateClient(server.base_url) as stream:
        stream.auth(ws_trader.api_key)
        by_stream = [(status, without_ids(body)) for status, body in map(streamed, map(place_on(stream), PLACE_TABLE))]
    assert {status for status, _ in by_rest} == {201, 200, 422}
    assert by_stream == by_rest


def place_on(stream: PrivateClient) -> Callable[[Any], dict]:
    return lambda body: stream.call("place", order=body)


def test_cancel_cancel_all_and_amend_over_the_stream_answer_as_their_rest_routes(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    rest, ws_trader = fresh(), fresh()
    with PrivateClient(server.base_url) as stream:
        stream.auth(ws_trader.api_key)

        def over_rest(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
            response = rest.client.request(method, path, **kwargs)
            return response.status_code, without_ids(response.json())

        def over_stream(op: str, **fields: Any) -> tuple[int, Any]:
            status, body = streamed(stream.call(op, **fields))
            return status, without_ids(body)

        def both_place(body: dict) -> tuple[int, int]:
            by_rest = rest.client.post("/api/orders", json=body).json()
            return by_rest["id"], stream.call("place", order=body)["order"]["id"]

        a_rest, a_ws = both_place(resting("2.00"))
        b_rest, b_ws = both_place(resting("3.00", "2.0000"))
        c_rest, c_ws = both_place(resting("4.00", "2.0000"))
        cases = [
            (("DELETE", f"/api/orders/{a_rest}"), ("cancel", {"order_id": a_ws})),
            (("DELETE", f"/api/orders/{a_rest}"), ("cancel", {"order_id": a_ws})),  # no longer resting: 409
            (("DELETE", "/api/orders/999999999"), ("cancel", {"order_id": 999999999})),
            (("DELETE", "/api/orders/abc"), ("cancel", {"order_id": "abc"})),
            (
                ("PATCH", f"/api/orders/{b_rest}", {"json": {"quantity": "1.0000"}}),
                ("amend", {"order_id": b_ws, "quantity": "1.0000"}),
            ),
            (("PATCH", f"/api/orders/{b_rest}", {"json": {}}), ("amend", {"order_id": b_ws})),
            (
                ("PATCH", f"/api/orders/{b_rest}", {"json": {"quantity": "9.0000"}}),
                ("amend", {"order_id": b_ws, "quantity": "9.0000"}),
            ),
            (
                ("PATCH", f"/api/orders/{c_rest}", {"json": {"price": "5.00"}}),
                ("amend", {"order_id": c_ws, "price": "5.00"}),
            ),
            (("DELETE", "/api/orders", {"params": {"symbol": "NOPE-USD"}}), ("cancel_all", {"market": "NOPE-USD"})),
            (("DELETE", "/api/orders", {"params": {"symbol": BTC}}), ("cancel_all", {"market": BTC})),
        ]
        for (method, path, *kwargs), (op, fields) in cases:
            assert over_stream(op, **fields) == over_rest(method, path, **(kwargs[0] if kwargs else {})), (op, fields)


def test_order_entry_before_auth_and_a_wrong_key_are_refused_as_rest_refuses_them(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    rest_answer = server.client({"Authorization": "Bearer lob_not-a-key"}).get("/api/balances")
    with PrivateClient(server.base_url) as stream:
        before = stream.call("place", order=resting("1.00"))
        wrong = stream.call("auth", key="lob_not-a-key")
    assert before["status"] == 401
    assert (wrong["status"], {"detail": wrong["detail"]}) == (rest_answer.status_code, rest_answer.json())


def test_an_order_acknowledged_over_the_stream_is_stored_when_the_server_is_killed_right_after_the_ack(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path / "kill.db")
    server = ServerProcess(url, tmp_path / "server.log").start()
    try:
        trader = register_trader(server.base_url)
        with PrivateClient(server.base_url) as stream:
            stream.auth(trader.api_key)
            ids = [stream.post("place", order=resting("30.00", "0.0500")) for _ in range(20)]
            ack = stream.wait_for(lambda message: message.get("id") == ids[0] and message.get("status") == 201)
            assert server.process is not None
            os.killpg(server.process.pid, signal.SIGKILL)  # at once: no shutdown code runs
            server.process.wait()
            acked = [message["order"] for message in stream.messages if message.get("status") == 201]
        trader.client.close()
    finally:
        server.stop()
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        stored = {row.id: row.status for row in connection.execute(text("SELECT id, status FROM orders"))}
    engine.dispose()
    assert ack["order"]["id"] in stored
    assert {order["id"]: order["status"] for order in acked}.items() <= stored.items()


def test_a_trader_is_sent_their_own_orders_fills_and_balances_and_never_another_traders(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    me, other = fresh(), fresh()
    with PrivateClient(server.base_url) as mine, PrivateClient(server.base_url) as theirs:
        mine.auth(me.api_key)
        theirs.auth(other.api_key)
        for stream in (mine, theirs):
            for channel in ("orders", "fills", "balances"):
                assert stream.call("subscribe", channel=channel)["status"] == 200
        mine.wait_for(lambda message: message.get("channel") == "balances" and message.get("type") == "snapshot")
        # They trade with each other at a price no other test uses: one maker, one taker.
        sell = me.client.post("/api/orders", json=resting("777.00", "0.0100", side="sell")).json()
        buy = other.client.post("/api/orders", json=resting("777.00", "0.0100")).json()
        assert buy["status"] == "filled", buy
        mine.wait_for(lambda m: "fill" in m and m["fill"]["order_id"] == sell["id"])
        theirs.wait_for(lambda m: "fill" in m and m["fill"]["order_id"] == buy["id"])
        mine.wait_for(lambda m: m.get("channel") == "orders" and m.get("order", {}).get("status") == "filled")
        mine.wait_for(lambda m: m.get("channel") == "balances" and m.get("type") == "update")
        theirs.wait_for(lambda m: m.get("channel") == "orders" and m.get("order", {}).get("id") == buy["id"])
        balances = me.client.get("/api/balances").json()
        mine.read_while(lambda: final_balances(mine) != balances)  # the updates after the trade, as they come
        my_orders = {m["order"]["id"] for m in mine.of_channel("orders")}
        my_fill = next(m["fill"] for m in mine.of_channel("fills"))
        their_orders = {m["order"]["id"] for m in theirs.of_channel("orders")}
        their_fills = {m["fill"]["order_id"] for m in theirs.of_channel("fills")}
    assert my_orders == {sell["id"]} and their_orders == {buy["id"]}
    assert their_fills == {buy["id"]}
    assert [my_fill[name] for name in ("liquidity", "side", "price", "quantity")] == [
        "maker",
        "sell",
        "777.00",
        "0.0100",
    ]
    assert my_fill["fee"] == me.client.get(f"/api/orders/{sell['id']}").json()["trades"][0]["fee"]
    assert final_balances(mine) == balances


def final_balances(stream: PrivateClient) -> list[dict]:
    """The balances a subscriber holds after applying its snapshot and every update in order."""
    rows: dict[str, dict] = {}
    for message in stream.of_channel("balances"):
        rows.update((row["asset"], row) for row in message["balances"])
    return list(rows.values())


def test_a_deposit_reaches_the_traders_balances_channel(server: ServerProcess, fresh: Callable[[], Trader]) -> None:
    trader = fresh()
    with PrivateClient(server.base_url) as stream:
        stream.auth(trader.api_key)
        stream.call("subscribe", channel="balances")
        snapshot = stream.wait_for(lambda message: message.get("type") == "snapshot")
        usd = next(row for row in snapshot["balances"] if row["asset"] == "USD")
        credit(server.database_url, trader.username, "USD", "12.50")
        update = stream.wait_for(lambda message: message.get("type") == "update")
    before = Decimal(usd["available"])
    assert update["balances"] == [{**usd, "available": str((before + Decimal("12.50")).quantize(before))}]


def order_status(trader: Trader, order_id: int) -> str:
    return trader.client.get(f"/api/orders/{order_id}").json()["status"]


def wait_until_cancelled(trader: Trader, order_ids: list[int], deadline: float) -> dict[int, str]:
    """Each order's status once all are cancelled or the deadline (time.monotonic) passed."""
    while True:
        statuses = {order_id: order_status(trader, order_id) for order_id in order_ids}
        if all(status == "cancelled" for status in statuses.values()) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.05)


def test_closing_a_cancel_on_disconnect_socket_cancels_its_resting_orders_and_no_others_within_2_s(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    trader = fresh()
    elsewhere_rest = trader.client.post("/api/orders", json=resting("1.00")).json()["id"]
    with PrivateClient(server.base_url) as plain:
        plain.auth(trader.api_key)
        elsewhere_ws = plain.call("place", order=resting("1.00"))["order"]["id"]
        with PrivateClient(server.base_url) as dead_man:
            dead_man.auth(trader.api_key, cancel_on_disconnect=True)
            placed = [dead_man.call("place", order=resting(f"1.{cents:02d}"))["order"]["id"] for cents in range(1, 4)]
        closed = time.monotonic()
        statuses = wait_until_cancelled(trader, placed, closed + DEAD_MAN_DEADLINE)
    assert statuses == dict.fromkeys(placed, "cancelled")
    assert order_status(trader, elsewhere_rest) == order_status(trader, elsewhere_ws) == "open"


HOLDER = """
import json, sys, time
from websockets.sync.client import connect
socket = connect(sys.argv[1])
socket.send(json.dumps({"op": "auth", "id": 1, "key": sys.argv[2], "cancel_on_disconnect": True}))
socket.recv()
socket.send(json.dumps({"op": "place", "id": 2, "order": json.loads(sys.argv[3])}))
print(json.loads(socket.recv())["order"]["id"], flush=True)
time.sleep(600)
"""


def start_holder(server: ServerProcess, trader: Trader, price: str) -> tuple[subprocess.Popen, int]:
    """A client process that authenticates with cancel_on_disconnect, places a resting order and holds the socket."""
    command = [sys.executable, "-c", textwrap.dedent(HOLDER), stream_url(server.base_url), trader.api_key]
    holder = subprocess.Popen([*command, json.dumps(resting(price))], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    order_id = int(holder.stdout.readline())
    assert order_status(trader, order_id) == "open"
    return holder, order_id


def test_a_killed_client_s_resting_orders_are_cancelled_within_2_s(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    trader = fresh()
    holder, order_id = start_holder(server, trader, "1.07")
    holder.kill()
    holder.wait()
    killed = time.monotonic()
    assert wait_until_cancelled(trader, [order_id], killed + DEAD_MAN_DEADLINE) == {order_id: "cancelled"}


def test_a_client_that_stops_answering_pings_has_its_resting_orders_cancelled(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    trader = fresh()
    holder, order_id = start_holder(server, trader, "1.08")
    holder.send_signal(signal.SIGSTOP)  # its socket stays open, but nothing answers the server's pings any more
    try:
        stopped = time.monotonic()
        # A ping may be sent up to an interval after the stop; it goes unanswered for another; then the cancel.
        deadline = stopped + 2 * PING_INTERVAL + DEAD_MAN_DEADLINE
        assert wait_until_cancelled(trader, [order_id], deadline) == {order_id: "cancelled"}
    finally:
        holder.kill()
        holder.wait()


EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "stream_client.py"


def test_the_example_client_keeps_a_checked_book_and_places_and_cancels_an_order(
    server: ServerProcess, fresh: Callable[[], Trader]
) -> None:
    trader, maker = fresh(), fresh()
    command = [sys.executable, str(EXAMPLE), "--url", stream_url(server.base_url), "--key", trader.api_key]
    example = subprocess.Popen([*command, "--updates", "5", "--seconds", "20"], stdout=subprocess.PIPE, text=True)
    # New best asks while it runs, so that the book it keeps gets updates to apply and check.
    price, deadline = 60000, time.monotonic() + 30
    while example.poll() is None and time.monotonic() < deadline:
        maker.client.post("/api/orders", json=resting(f"{price}.00", "0.0100", side="sell"))
        price -= 1
        time.sleep(0.1)
    output, _ = example.communicate(timeout=30)
    maker.client.delete("/api/orders")
    summary = json.loads(output.strip().splitlines()[-1])
    assert example.returncode == 0, summary
    assert summary["updates"] >= 5 and summary["checksums_ok"] > summary["updates"] and not summary["checksum_errors"]
    assert (summary["auth"], summary["placed"], summary["cancelled"]) == (200, 201, 200)
