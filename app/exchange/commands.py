"""What a market's writer is asked to do, and what one batch of those commands collects before it is written."""

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from app.engine.book import BookOrder
from app.exchange.present import order_public
from app.exchange.rules import MarketRules
from app.store import writes
from models import OrderPublic
from models.clock import utcnow


@dataclass(slots=True)
class Command:
    """A request to the writer; `future` receives its result or its ServiceError."""

    trader_id: int
    future: asyncio.Future = field(repr=False)


@dataclass(slots=True)
class PlaceOrder(Command):
    side: str
    type: str
    price: int | None
    quantity: int
    time_in_force: str
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
class Sync(Command):
    """Reload the book if another process changed it; changes nothing itself."""


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """An immutable view of the book at a sequence, safe to read from any coroutine."""

    sequence: int
    bids: tuple[tuple[int, int, int], ...]
    asks: tuple[tuple[int, int, int], ...]


class Batch:
    """What one batch did, collected while matching and written in bulk at the end."""

    def __init__(self, session: Any, rules: MarketRules, sequence: int, places: int) -> None:
        self.session = session
        self.rules = rules
        self.sequence = sequence
        self.now = utcnow()
        self.order_ids = writes.IdAllocator(session, writes.ORDERS, expected=places)
        self.trade_ids = writes.IdAllocator(session, writes.TRADES)
        self.new_orders: dict[int, tuple[BookOrder, str | None, int]] = {}
        self.new_trades: list[dict] = []
        self.changed: dict[int, BookOrder] = {}
        self.client_order_ids: dict[tuple[int, str], int] = {}
        self.traders: set[int] = set()  # whose orders changed: their pages refresh their own orders

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def public(self, order: BookOrder, client_order_id: str | None, fills: list[SimpleNamespace]) -> OrderPublic:
        """An order placed in this batch, as it stands now."""
        row = SimpleNamespace(**writes.order_row(order, self.rules, client_order_id, self.sequence, self.now))
        return order_public(row, self.rules, fills)  # type: ignore[arg-type]

    def marker(self) -> tuple[int, Any]:
        """A row only this batch wrote, and what it wrote there: (order id, updated_at)."""
        if self.new_orders:
            return next(iter(self.new_orders)), self.now
        return next(iter(self.changed)), self.now

    def write(self) -> None:
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
        )
