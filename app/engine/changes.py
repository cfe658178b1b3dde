"""What one batch did to a book, as plain data, and how to replay it on another copy of the book (no SQL here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TypedDict

from app.engine.book import OrderBook
from app.engine.orders import OPEN, PARTIALLY_FILLED, RESTING, BookOrder
from models.enums import OrderType, Side, TimeInForce

# A new resting order: id, trader, side, price, quantity, filled, type, time in force, post only (ticks and lots).
Rested = tuple[int, int, Side, int, int, int, OrderType, TimeInForce, bool]
# A resting order whose quantity or filled amount moved: id, quantity, filled.
Amended = tuple[int, int, int]


class BookChange(TypedDict):
    """The book's difference over one batch: orders that came to rest (in that order), amended, or left the book."""

    rested: list[Rested]
    amended: list[Amended]
    removed: list[int]


def change_of(new_orders: Iterable[BookOrder], changed: Iterable[BookOrder]) -> BookChange:
    """The change from a batch's new orders (in the order they were placed) and the earlier orders it changed.

    Each order in its final state after the batch: only where it ends up matters, not the steps in between.
    """
    rested: list[Rested] = []
    new_ids: set[int] = set()
    for order in new_orders:
        new_ids.add(order.id)
        if order.status in RESTING:
            assert order.price is not None
            rested.append(
                (
                    order.id,
                    order.trader_id,
                    order.side,
                    order.price,
                    order.quantity,
                    order.filled,
                    order.type,
                    order.time_in_force,
                    order.post_only,
                )
            )
    amended: list[Amended] = []
    removed: list[int] = []
    for order in changed:
        if order.id in new_ids:
            continue
        if order.status in RESTING:
            amended.append((order.id, order.quantity, order.filled))
        else:
            removed.append(order.id)
    return BookChange(rested=rested, amended=amended, removed=removed)


def apply_change(book: OrderBook, change: BookChange) -> Counter[int]:
    """Replay a change on a book that was at the batch's start; returns each trader's change in resting orders.

    Removals and amendments first, then the new orders at the back of their levels: they came to rest after every
    order already there, so arrival order stays sequence order. The cost is that of the change, not of the book.
    """
    resting: Counter[int] = Counter()
    for order_id in change["removed"]:
        order = book.cancel(order_id)
        if order is not None:
            resting[order.trader_id] -= 1
    for order_id, quantity, filled in change["amended"]:
        book.amend(order_id, quantity, filled)
    for order_id, trader_id, side, price, quantity, filled, kind, time_in_force, post_only in change["rested"]:
        order = BookOrder(
            id=order_id,
            trader_id=trader_id,
            side=side,
            price=price,
            quantity=quantity,
            filled=filled,
            type=kind,
            time_in_force=time_in_force,
            post_only=post_only,
            status=PARTIALLY_FILLED if filled else OPEN,
        )
        book.add_resting(order)
        resting[trader_id] += 1
    return resting
