"""What a market's writer is asked to do, and what one batch of those commands collects before it is written."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.domain.results import FillResult, OrderResult
from app.domain.rules import MarketRules
from app.engine.changes import change_of
from app.engine.orders import BookOrder
from app.errors import ServiceError
from app.exchange.funds import Balances
from app.exchange.journal import encode
from app.store import journal, writes
from models import Order
from models.clock import utcnow
from models.enums import OrderType, Side, TimeInForce


@dataclass(slots=True)
class Command:
    """A request to the writer; `future` receives its result or its ServiceError."""

    trader_id: int
    future: asyncio.Future = field(repr=False)


@dataclass(slots=True)
class PlaceOrder(Command):
    side: Side
    type: OrderType
    price: int | None
    quantity: int
    time_in_force: TimeInForce
    post_only: bool
    client_order_id: str | None


@dataclass(slots=True)
class CancelOrder(Command):
    order_id: int


@dataclass(slots=True)
class CancelAll(Command):
    pass


@dataclass(slots=True)
class ReduceOrder(Command):
    order_id: int
    quantity: int


@dataclass(slots=True)
class ReplaceOrder(Command):
    """Cancel-replace at a new price: the order is cancelled and a new one placed, in one transaction."""

    order_id: int
    price: int
    quantity: int | None  # the new order's quantity; None: what the old one had left


@dataclass(slots=True)
class Sync(Command):
    """Reload the book if another process changed it; changes nothing itself."""


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """An immutable view of the book at a sequence, safe to read from any coroutine."""

    sequence: int
    bids: tuple[tuple[int, int, int], ...]
    asks: tuple[tuple[int, int, int], ...]


class Batch:
    """What one batch did, collected while matching and written in bulk at the end.

    Commands answer with order ids while the batch runs; once it has committed, `answer` turns each into the order's
    OrderResult as committed (an order changed twice in one batch answers both times with its final state).
    """

    def __init__(self, session: Any, rules: MarketRules, locked: writes.MarketLock, places: int) -> None:
        self.session = session
        self.rules = rules
        self.sequence = locked.sequence
        self.now = utcnow()
        self.order_ids = writes.IdAllocator(session, writes.ORDERS, expected=places, last=locked.last_order_id)
        self.trade_ids = writes.IdAllocator(session, writes.TRADES, last=locked.last_trade_id)
        self.new_orders: dict[int, tuple[BookOrder, str | None, int]] = {}
        self.new_trades: list[dict] = []
        self.trades_of: defaultdict[int, list[dict]] = defaultdict(list)  # the new trades of each order
        self.changed: dict[int, BookOrder] = {}
        self.client_order_ids: dict[tuple[int, str], int] = {}  # placed by this batch
        # The batch's client order ids looked for among the stored orders (all at once), and those found.
        self.client_order_ids_read: set[tuple[int, str]] = set()
        self.stored_client_orders: dict[tuple[int, str], Order] = {}
        self.traders: set[int] = set()  # whose orders changed: their pages refresh their own orders
        # Orders stored before this batch that a command answers with: their rows, then as they were stored.
        self.stored_rows: dict[int, Order | None] = {}
        self.stored: dict[int, OrderResult] = {}
        self.balances = Balances()  # the balance rows this batch reads and writes, under lock
        self.fees_collected = locked.fees_collected
        self.fees = Decimal(0)  # collected by this batch, in the quote asset

    def lock_balances(self, trader_ids: set[int]) -> None:
        """Read (and lock) the commanding traders' balances of the market's assets: one query, before matching."""
        assets = (self.rules.base, self.rules.quote)
        found = writes.lock_balances(self.session, trader_ids, assets)
        self.balances.load(found, [(trader_id, asset) for trader_id in trader_ids for asset in assets])

    def read_client_orders(self, keys: set[tuple[int, str]]) -> None:
        """Look for the batch's (trader id, client order id) among the stored orders: one query, before matching."""
        self.stored_client_orders.update(writes.orders_by_client_order_id(self.session, sorted(keys)))
        self.client_order_ids_read |= keys

    def stored_client_order(self, key: tuple[int, str]) -> Order | None:
        """The stored order with this (trader id, client order id), if any."""
        if key not in self.client_order_ids_read:
            self.read_client_orders({key})
        return self.stored_client_orders.get(key)

    def lock_balances_moved(self) -> None:
        """Read the rows of the makers this batch filled but had not read: their moves were recorded meanwhile."""
        missing = self.balances.missing()
        if missing:
            found = writes.lock_balances(self.session, {key[0] for key in missing}, {key[1] for key in missing})
            self.balances.load(found, missing)

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def add_trade(self, row: dict) -> None:
        self.new_trades.append(row)
        self.trades_of[row["taker_order_id"]].append(row)
        self.trades_of[row["maker_order_id"]].append(row)

    def answers_with(self, order_id: int, row: Order | None = None) -> None:
        """A command answers with this order: one stored before this batch needs its row (`row` if already read)."""
        if order_id not in self.new_orders and self.stored_rows.get(order_id) is None:
            self.stored_rows[order_id] = row

    def read_stored(self) -> None:
        """Read the answered orders stored before this batch, with their earlier trades: before it writes anything."""
        missing = [order_id for order_id, row in self.stored_rows.items() if row is None]
        for row in writes.orders_by_id(self.session, missing):
            assert row.id is not None
            self.stored_rows[row.id] = row
        rows = [row for row in self.stored_rows.values() if row is not None]
        # Most cancelled orders never traded: no query for their (no) trades.
        earlier = writes.fills_of(self.session, [row.id for row in rows if row.id and row.filled_quantity > 0])
        for row in rows:
            assert row.id is not None
            self.stored[row.id] = OrderResult.of_row(row, earlier.get(row.id, ()))

    def result(self, order_id: int) -> OrderResult:
        """An order this batch answers with, as committed."""
        fills = tuple(
            FillResult(
                row["id"],
                row["price"],
                row["quantity"],
                row["taker_side"],
                row["created_at"],
                row["taker_fee"] if row["taker_order_id"] == order_id else row["maker_fee"],
            )
            for row in self.trades_of.get(order_id, ())
        )
        if order_id in self.new_orders:
            order, client_order_id, _ = self.new_orders[order_id]
            return OrderResult.of_book(order, self.rules, client_order_id=client_order_id, at=self.now, fills=fills)
        stored = self.stored[order_id]
        changed = self.changed.get(order_id)
        return stored if changed is None else stored.changed_by(changed, self.rules, at=self.now, fills=fills)

    def answer(self, command: Command, answer: Any) -> Any:
        """What the command's caller receives, once the batch has committed."""
        if isinstance(answer, ServiceError):
            return answer
        if isinstance(command, PlaceOrder | ReplaceOrder):
            order_id, created = answer
            return self.result(order_id), created
        if isinstance(command, CancelOrder | ReduceOrder):
            return self.result(answer)
        if isinstance(command, CancelAll):
            return [self.result(order_id) for order_id in answer]
        return answer

    def marker(self) -> tuple[int, Any]:
        """A row only this batch wrote, and what it wrote there: (order id, updated_at)."""
        if self.new_orders:
            return next(iter(self.new_orders)), self.now
        return next(iter(self.changed)), self.now

    def write(self, *, after: int, journal_keep: int) -> None:
        """Write the batch, its journal row (what it did to the book) and its notification: all in its transaction."""
        rules = self.rules
        writes.write_batch(
            self.session,
            market_id=rules.id,
            sequence=self.sequence,
            new_orders=[
                writes.order_row(order, rules, client_order_id, sequence, self.now)
                for order, client_order_id, sequence in self.new_orders.values()
            ],
            new_trades=self.new_trades,
            changed_orders=[
                {
                    "id": order.id,
                    "quantity": rules.quantity_of(order.quantity),
                    "filled_quantity": rules.quantity_of(order.filled),
                    "status": order.status,
                    "updated_at": self.now,
                }
                for order in self.changed.values()
                if order.id not in self.new_orders
            ],
            fees_collected=self.fees_collected + self.fees,
        )
        writes.write_balances(self.session, *self.balances.changed_rows())
        change = change_of((order for order, _, _ in self.new_orders.values()), self.changed.values())
        journal.record(
            self.session,
            market_id=rules.id,
            symbol=rules.symbol,
            sequence=self.sequence,
            after=after,
            changes=encode(change, rules, after=after, trades=self.new_trades),
            traders=self.traders,
            now=self.now,
            keep=journal_keep,
        )
