"""The stream's private ops: `auth`, then order entry (`place`, `cancel`, `cancel_all`, `amend`) answered as REST
answers them, and the dead-man switch (`cancel_on_disconnect`).

Each order op runs in a task of its own, so a client may pipeline: its answers come as their batches commit, each with
its frame's `id`. An answer is `{"op", "id", "status", "order"}` (`"orders"` for `cancel_all`) or
`{"op", "id", "status", "detail"}`: the status and body of the REST route (app/stream/order_entry.py).
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.accounts.service import Caller
from app.accounts.throttle import TooManyAttempts
from app.errors import ServiceError
from app.stream import order_entry, protocol
from app.stream.auth import authenticate
from app.stream.order_entry import RestAnswer

if TYPE_CHECKING:
    from app.stream.connection import StreamConnection

log = logging.getLogger("orderbook.stream")

STATE_KEY = "trading"  # the connection's `state` entry holding its TradingSession
RESTING = frozenset({"open", "partially_filled"})
DEAD_MAN_READ_LIMIT = 100_000  # a trader's resting orders at most: the resting cap times the markets, with room
PRUNE_AT = 4096  # orders tracked for the dead-man switch before the filled ones among them are looked up and dropped
DEAD_MAN_WAIT = 1.5  # s: how long a closed socket's orders still in flight are awaited before their cancels


@dataclass
class TradingSession:
    """What an authenticated socket holds: its trader, and for the dead-man switch the orders it placed."""

    caller: Caller
    cancel_on_disconnect: bool
    resting: set[int] = field(default_factory=set)  # orders placed through this socket, last seen resting
    prune_at: int = PRUNE_AT  # past this many, those filled since are forgotten (one read of the resting ones)
    in_flight: set[asyncio.Task] = field(default_factory=set)  # order ops not answered yet


def session_of(conn: "StreamConnection") -> TradingSession | None:
    return conn.state.get(STATE_KEY)


def client_of(conn: "StreamConnection") -> tuple[str, int] | None:
    client = conn.websocket.client
    return None if client is None else (client.host, client.port)


AUTH_FIELDS = {
    "key": {"type": "string", "description": "the API key given on registration"},
    "cancel_on_disconnect": {
        "type": "boolean",
        "description": "cancel the resting orders placed through this socket when it closes or stops answering pings",
    },
}


@protocol.register_op(
    "auth",
    summary="Authenticate the socket with an API key; refused as the REST API refuses a wrong key (401, 429).",
    fields=AUTH_FIELDS,
    answer={
        "status": {"type": "integer", "description": "200, or REST's 401 or 429 for a wrong key"},
        "trader": {"type": "object", "description": "the trader's id and username"},
        "cancel_on_disconnect": {"type": "boolean"},
        "detail": {"type": "string"},
        "retry_after": {"type": "integer", "description": "with 429: seconds to wait (REST's Retry-After)"},
    },
)
async def auth(conn: "StreamConnection", frame: dict) -> None:
    dead_man = frame.get("cancel_on_disconnect", False)
    if not isinstance(dead_man, bool):
        await protocol.answer(conn, frame, status=422, detail="cancel_on_disconnect: must be true or false")
        return
    try:
        caller = await authenticate(conn.services.accounts, frame.get("key"), conn.address or "unknown")
    except TooManyAttempts as refused:  # REST's Retry-After header, as a field
        await protocol.answer(conn, frame, status=429, detail=refused.message, retry_after=refused.retry_after)
        return
    except ServiceError as refused:
        await protocol.answer(conn, frame, status=refused.status_code, detail=refused.message)
        return
    session = session_of(conn)
    if session is not None and session.caller.id != caller.id:
        await protocol.answer(conn, frame, status=409, detail="this socket is authenticated as another trader")
        return
    if session is None:
        session = TradingSession(caller, dead_man)
        conn.state[STATE_KEY] = session
        conn.trader = caller.id
        conn.on_close.append(on_close)
    session.cancel_on_disconnect = dead_man
    trader = {"id": caller.id, "username": caller.username}
    await protocol.answer(conn, frame, status=200, trader=trader, cancel_on_disconnect=dead_man)


ORDER_ANSWER = {
    "status": {"type": "integer", "description": "the REST route's status"},
    "order": {"type": "object", "description": "the order as the REST route returns it"},
    "detail": {"description": "the REST route's error detail (a list naming the field for 422)"},
}


@protocol.register_op(
    "place",
    summary="Place an order: `order` is the body of POST /api/orders; answered as that route answers (201, 200, 4xx).",
    fields={"order": {"type": "object", "description": "the body of POST /api/orders"}},
    answer=ORDER_ANSWER,
)
async def place(conn: "StreamConnection", frame: dict) -> None:
    await _run(conn, frame, lambda app, caller, client: order_entry.place(app, caller, client, frame.get("order")))


@protocol.register_op(
    "cancel",
    summary="Cancel a resting order: answered as DELETE /api/orders/{order_id}.",
    fields={"order_id": {"type": "integer"}},
    answer=ORDER_ANSWER,
)
async def cancel(conn: "StreamConnection", frame: dict) -> None:
    await _run(conn, frame, lambda app, caller, client: order_entry.cancel(app, caller, client, frame.get("order_id")))


@protocol.register_op(
    "cancel_all",
    summary="Cancel every resting order, in one `market` or in all: answered as DELETE /api/orders?symbol=.",
    fields={"market": {"type": "string"}},
    answer={**ORDER_ANSWER, "orders": {"type": "array", "description": "the cancelled orders"}},
)
async def cancel_all(conn: "StreamConnection", frame: dict) -> None:
    await _run(
        conn, frame, lambda app, caller, client: order_entry.cancel_all(app, caller, client, frame.get("market"))
    )


@protocol.register_op(
    "amend",
    summary="Reduce a resting order or give it a new price: answered as PATCH /api/orders/{order_id}.",
    fields={"order_id": {"type": "integer"}, "price": {"type": "string"}, "quantity": {"type": "string"}},
    answer=ORDER_ANSWER,
)
async def amend(conn: "StreamConnection", frame: dict) -> None:
    changes = {name: frame[name] for name in ("price", "quantity") if name in frame}
    await _run(
        conn,
        frame,
        lambda app, caller, client: order_entry.amend(app, caller, client, frame.get("order_id"), changes),
    )


async def _run(conn: "StreamConnection", frame: dict, call: Any) -> None:
    """Start the op's REST call in a task of its own (the next frame is read at once) and answer when it ends."""
    session = session_of(conn)
    if session is None:
        detail = 'authenticate first: send {"op": "auth", "key": "<api_key>"}'
        await protocol.answer(conn, frame, status=401, detail=detail)
        return
    app, client = conn.websocket.scope["app"], client_of(conn)

    async def work() -> None:
        try:
            result: RestAnswer = await call(app, session.caller, client)
        except Exception:
            log.exception("stream op %s failed", frame.get("op"))
            result = RestAnswer(500, b'{"detail":"Internal Server Error"}')
        if session.cancel_on_disconnect:
            _track(session, frame, result)
            if len(session.resting) >= session.prune_at:
                session.prune_at = 1 << 62  # one prune at a time
                await _prune(conn, session)
        conn.put(answer_text(frame, result))

    # Not the connection's own tasks (cancelled when it ends): an order in flight when the socket closes is still
    # committed by its writer, and the dead-man switch must learn its id to cancel it.
    task = asyncio.get_running_loop().create_task(work())
    session.in_flight.add(task)
    task.add_done_callback(session.in_flight.discard)


def answer_text(frame: dict, result: RestAnswer) -> str:
    """The op's answer as JSON text, the route's body spliced in as it was serialized (not parsed and made again)."""
    head = {"op": frame.get("op")}
    if "id" in frame:
        head["id"] = frame["id"]
    head["status"] = result.status
    opening = json.dumps(head, separators=(",", ":"))[:-1]
    if result.ok:
        name = "orders" if frame.get("op") == "cancel_all" else "order"
        return f'{opening},"{name}":{result.body.decode()}}}'
    body = result.json()
    detail = body.get("detail") if isinstance(body, dict) else body
    return f"{opening},{json.dumps({'detail': detail}, separators=(',', ':'))[1:]}"


def _track(session: TradingSession, frame: dict, result: RestAnswer) -> None:
    """Keep the ids of the resting orders this socket placed (and forget those it cancelled or replaced)."""
    op = frame.get("op")
    if op == "cancel" and result.status in (200, 404, 409):
        session.resting.discard(_as_int(frame.get("order_id")))
        return
    if not result.ok or op not in ("place", "amend"):
        return
    order = result.json()
    if not isinstance(order, dict):
        return
    if op == "amend" and order.get("id") != _as_int(frame.get("order_id")):
        session.resting.discard(_as_int(frame.get("order_id")))  # a price amend replaced it with a new order
    if order.get("status") in RESTING:
        session.resting.add(int(order["id"]))
    else:
        session.resting.discard(int(order["id"]))


async def _prune(conn: "StreamConnection", session: TradingSession) -> None:
    """Forget the tracked orders that no longer rest (filled since they were placed): one read, not one per order."""
    before = set(session.resting)  # orders placed while the read runs are kept whatever it finds
    try:
        still = await _resting_of(conn, session, before)
    except Exception as error:  # kept as they are: the dead-man switch reads them again at the end
        log.warning("cancel on disconnect: the resting orders could not be read: %s", error)
        still = list(before)
    session.resting -= before - set(still)
    session.prune_at = max(PRUNE_AT, 2 * len(session.resting))


async def _resting_of(conn: "StreamConnection", session: TradingSession, placed: set[int]) -> list[int]:
    """Those of `placed` that rest now."""
    reads = conn.services.exchange.reads
    open_orders = await reads.orders(trader_id=session.caller.id, status="open", limit=DEAD_MAN_READ_LIMIT)
    return [order.id for order in open_orders if order.id in placed]


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # no order has id 0


async def on_close(conn: "StreamConnection") -> None:
    """The dead-man switch: the socket ended; cancel the resting orders it placed, through the exchange (so every
    instance's book follows from the journal), once the ones still in flight have their answers."""
    session = session_of(conn)
    if session is None or not session.cancel_on_disconnect:
        return
    if session.in_flight:
        await asyncio.wait(list(session.in_flight), timeout=DEAD_MAN_WAIT)
    commands, trader_id = conn.services.exchange.commands, session.caller.id
    placed, session.resting = session.resting, set()
    # Those still resting (one read; some were filled since), so that only real cancels go to the writers.
    try:
        resting = await _resting_of(conn, session, placed)
    except Exception as error:  # the database is away: try every one (those no longer resting are refused, 409)
        log.warning("cancel on disconnect: the resting orders could not be read: %s", error)
        resting = list(placed)
    outcomes = await asyncio.gather(
        *(commands.cancel_order(trader_id=trader_id, order_id=order_id) for order_id in resting),
        return_exceptions=True,
    )
    failed = [
        outcome for outcome in outcomes if isinstance(outcome, Exception) and not isinstance(outcome, ServiceError)
    ]
    if failed:
        log.warning("cancel on disconnect: %d of %d cancels failed: %r", len(failed), len(resting), failed[0])
