"""Crash-safety helpers: order flow from client threads until the server dies, and the state stored in the database."""

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

SYMBOLS = ("BTC-USD", "ETH-USD")
MID = Decimal("100.00")
TICK = Decimal("0.01")
STEP = Decimal("0.01")  # a quantity step on the lot of both markets, 1.00 notional at the mid
RESTING = frozenset({"open", "partially_filled"})
TERMINAL = frozenset({"filled", "cancelled", "expired", "rejected"})
FLOW_TIMEOUT = 60.0  # s: the longest a test waits for an order flow to have done what it needs


@dataclass(frozen=True)
class Ack:
    """An order as a 2xx response showed it: stored from then on, in this state or a later one."""

    order_id: int
    owner: int
    symbol: str
    status: str
    quantity: Decimal
    filled_quantity: Decimal
    remaining_quantity: Decimal

    @classmethod
    def of(cls, owner: int, body: dict[str, Any]) -> "Ack":
        return cls(
            order_id=int(body["id"]),
            owner=owner,
            symbol=body["symbol"],
            status=body["status"],
            quantity=Decimal(body["quantity"]),
            filled_quantity=Decimal(body["filled_quantity"]),
            remaining_quantity=Decimal(body["remaining_quantity"]),
        )

    def later_state_problem(self, now: "Ack") -> str | None:
        """Why `now` cannot follow this acknowledged state, or None when it can."""
        if self.status in TERMINAL and now.status != self.status:
            return f"acknowledged {self.status}, now {now.status}"
        if self.status == "partially_filled" and now.status == "open":
            return "acknowledged partially_filled, now open again"
        if now.filled_quantity < self.filled_quantity:
            return f"filled {now.filled_quantity} < acknowledged {self.filled_quantity}"
        if now.quantity > self.quantity:
            return f"quantity {now.quantity} > acknowledged {self.quantity}"
        if now.remaining_quantity > self.remaining_quantity:
            return f"remaining {now.remaining_quantity} > acknowledged {self.remaining_quantity}"
        return None


@dataclass
class FlowRecord:
    """What the clients saw: the latest acknowledged state of each order and the highest sequence per market."""

    acks: dict[int, Ack] = field(default_factory=dict)
    client_order_ids: set[str] = field(default_factory=set)  # every placement sent, answered or not
    max_sequence: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SYMBOLS, -1))
    fees: dict[tuple[int, int], str] = field(default_factory=dict)  # (trade id, order id) -> the fee its answer showed
    unknown: int = 0  # requests the kill left without an answer: they may or may not be stored
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledge(self, ack: Ack) -> None:
        with self.lock:
            self.acks[ack.order_id] = ack

    def saw_fills(self, order_id: int, fills: list[dict[str, Any]]) -> None:
        with self.lock:
            self.fees.update(((int(fill["id"]), order_id), fill["fee"]) for fill in fills if "fee" in fill)

    def saw_sequence(self, symbol: str, sequence: int) -> None:
        with self.lock:
            self.max_sequence[symbol] = max(self.max_sequence[symbol], sequence)

    def wait_for(self, *, acks: int, fills: int, timeout: float = FLOW_TIMEOUT) -> None:
        """Until the clients were told of `acks` orders and `fills` fills, or `timeout` s passed (the test's own
        assertions then say what the flow lacked): a flow as long as the machine needs for it, no longer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.acks) >= acks and len(self.fees) >= fills:
                    return
            time.sleep(0.1)


@dataclass
class Desk:
    """One client thread's trading state, kept across restarts: its trader and its orders last seen resting."""

    desk: int
    owner: int
    api_key: str
    rng: random.Random
    resting: dict[int, Ack] = field(default_factory=dict)
    placed: int = 0

    def client(self, base_url: str) -> httpx.Client:
        return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=30)

    def trade_until_killed(self, base_url: str, record: FlowRecord, stop: threading.Event) -> None:
        """Send orders, cancels and reduces until the server stops answering (or `stop` is set)."""
        with self.client(base_url) as client:
            while not stop.is_set():
                try:
                    self._step(client, record)
                except httpx.TransportError:
                    with record.lock:
                        record.unknown += 1
                    return

    def _step(self, client: httpx.Client, record: FlowRecord) -> None:
        roll, symbol = self.rng.random(), self.rng.choice(SYMBOLS)
        if roll < 0.08:
            book = client.get(f"/api/markets/{symbol}/book", params={"depth": 5})
            if book.status_code == 200:
                record.saw_sequence(symbol, book.json()["sequence"])
        elif roll < 0.23 and self.resting:
            order_id = self.rng.choice(sorted(self.resting))
            self._record(client.delete(f"/api/orders/{order_id}"), order_id, record)
        elif roll < 0.33 and self.resting:
            order = self.resting[self.rng.choice(sorted(self.resting))]
            quantity = order.quantity - STEP * self.rng.randint(1, 3)
            if quantity > order.filled_quantity:
                answer = client.patch(f"/api/orders/{order.order_id}", json={"quantity": str(quantity)})
                self._record(answer, order.order_id, record)
        else:
            self._place(client, symbol, roll, record)

    def _place(self, client: httpx.Client, symbol: str, roll: float, record: FlowRecord) -> None:
        self.placed += 1
        client_order_id = f"desk{self.desk}-{self.placed}"
        side = self.rng.choice(("buy", "sell"))
        body: dict[str, Any] = {
            "symbol": symbol,
            "side": side,
            "price": str(MID + TICK * self.rng.randint(-6, 6)),
            "quantity": str(STEP * self.rng.randint(1, 20)),
            "client_order_id": client_order_id,
        }
        if roll < 0.40:
            del body["price"]
            body["type"] = "market"
        elif roll < 0.47:
            body["time_in_force"] = self.rng.choice(("IOC", "FOK"))
        elif roll < 0.50:
            body["post_only"] = True
        with record.lock:
            record.client_order_ids.add(client_order_id)
        self._record(client.post("/api/orders", json=body), None, record)

    def _record(self, response: httpx.Response, order_id: int | None, record: FlowRecord) -> None:
        if response.is_success:
            ack = Ack.of(self.owner, response.json())
            record.acknowledge(ack)
            record.saw_fills(ack.order_id, response.json()["trades"])
            if ack.status in RESTING:
                self.resting[ack.order_id] = ack
            else:
                self.resting.pop(ack.order_id, None)
        elif order_id is not None and response.status_code == 409:
            self.resting.pop(order_id, None)  # filled or cancelled meanwhile


@dataclass(frozen=True)
class StoredOrder:
    order_id: int
    symbol: str
    side: str
    price: Decimal | None
    quantity: Decimal
    filled_quantity: Decimal
    status: str
    sequence: int
    client_order_id: str | None

    def state(self, owner: int) -> Ack:
        """This row in the shape of an acknowledgement (a closed order has nothing remaining, as the API says)."""
        remaining = self.quantity - self.filled_quantity if self.status in RESTING else Decimal(0)
        return Ack(self.order_id, owner, self.symbol, self.status, self.quantity, self.filled_quantity, remaining)


@dataclass(frozen=True)
class StoredTrade:
    trade_id: int
    symbol: str
    price: Decimal
    quantity: Decimal
    taker_side: str
    taker_order_id: int
    maker_order_id: int
    sequence: int


@dataclass(frozen=True)
class Stored:
    """The database as read directly, past the app: orders, trades and each market's sequence."""

    orders: dict[int, StoredOrder]
    trades: list[StoredTrade]
    sequences: dict[str, int]

    def book(self, symbol: str) -> dict[str, dict[Decimal, tuple[Decimal, int]]]:
        """Bids and asks recomputed from the resting orders: price -> (remaining quantity, number of orders)."""
        sides: dict[str, dict[Decimal, tuple[Decimal, int]]] = {"buy": {}, "sell": {}}
        for order in self.orders.values():
            if order.symbol == symbol and order.status in RESTING:
                assert order.price is not None
                quantity, count = sides[order.side].get(order.price, (Decimal(0), 0))
                sides[order.side][order.price] = (quantity + order.quantity - order.filled_quantity, count + 1)
        return {"bids": sides["buy"], "asks": sides["sell"]}

    def traded_quantity(self) -> dict[int, Decimal]:
        """Each order's total quantity in the trades table, as taker or maker."""
        traded: dict[int, Decimal] = defaultdict(Decimal)
        for trade in self.trades:
            traded[trade.taker_order_id] += trade.quantity
            traded[trade.maker_order_id] += trade.quantity
        return traded


def read_stored(database_url: str) -> Stored:
    """Read orders, trades and market sequences straight from the database (exact decimals on both backends)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            sequences = {row.symbol: int(row.sequence) for row in connection.execute(text("SELECT * FROM markets"))}
            orders = connection.execute(
                text(
                    "SELECT o.id, m.symbol, o.side, o.price, o.quantity, o.filled_quantity, o.status, o.sequence,"
                    " o.client_order_id FROM orders o JOIN markets m ON m.id = o.market_id"
                )
            )
            stored_orders = {
                row.id: StoredOrder(
                    row.id,
                    row.symbol,
                    row.side,
                    None if row.price is None else Decimal(row.price),
                    Decimal(row.quantity),
                    Decimal(row.filled_quantity),
                    row.status,
                    int(row.sequence),
                    row.client_order_id,
                )
                for row in orders
            }
            trades = connection.execute(
                text(
                    "SELECT t.id, m.symbol, t.price, t.quantity, t.taker_side, t.taker_order_id, t.maker_order_id,"
                    " t.sequence FROM trades t JOIN markets m ON m.id = t.market_id ORDER BY t.id"
                )
            )
            stored_trades = [
                StoredTrade(
                    row.id,
                    row.symbol,
                    Decimal(row.price),
                    Decimal(row.quantity),
                    row.taker_side,
                    int(row.taker_order_id),
                    int(row.maker_order_id),
                    int(row.sequence),
                )
                for row in trades
            ]
    finally:
        engine.dispose()
    return Stored(stored_orders, stored_trades, sequences)


def api_book(body: dict[str, Any]) -> dict[str, dict[Decimal, tuple[Decimal, int]]]:
    """A `GET /book` answer in the shape of `Stored.book`."""
    return {
        side: {Decimal(level["price"]): (Decimal(level["quantity"]), level["orders"]) for level in body[side]}
        for side in ("bids", "asks")
    }
