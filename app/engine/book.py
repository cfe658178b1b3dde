"""Pure price-time priority matching: sorted price levels, a FIFO per level, an order-id index."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator

from app.engine.orders import (
    BUY,
    CANCELLED,
    EXPIRED,
    FILLED,
    FOK,
    GTC,
    MARKET,
    PARTIALLY_FILLED,
    REJECTED,
    RESTING,
    SELL,
    BookOrder,
    Execution,
    Fill,
)
from models.enums import Side

# A market order crosses every price: -inf is below every level key on either side.
_NO_LIMIT = float("-inf")
# Cancelled orders stay in their FIFO until matching reaches them; past this many dead entries per live one
# the FIFO is rebuilt, so memory and the skipping work stay bounded.
_COMPACT_FACTOR = 2
_COMPACT_SLACK = 16


class PriceLevel:
    """The FIFO of orders resting at one price, with the total and count of its live orders."""

    __slots__ = ("count", "orders", "price", "total")

    def __init__(self, price: int) -> None:
        self.price = price
        self.orders: deque[BookOrder] = deque()
        self.total = 0
        self.count = 0


# One side of the book: levels by key, the keys sorted ascending, and the sign that turns a price into a key.
# Keys are the price for bids and minus the price for asks, so on both sides the best level is the last key,
# and "this level crosses the incoming limit" is one comparison: key >= sign * limit price.
_Side = tuple[dict[int, PriceLevel], list[int], int]


class OrderBook:
    """One market's resting orders, matched by price then time."""

    def __init__(self) -> None:
        self._bids: _Side = ({}, [], 1)
        self._asks: _Side = ({}, [], -1)
        self._own = {BUY: self._bids, SELL: self._asks}
        self._opposite = {BUY: self._asks, SELL: self._bids}
        # Insertion order is the order of coming to rest, so re-adding in this order rebuilds the same queues.
        self._index: dict[int, BookOrder] = {}

    def submit(self, order: BookOrder) -> Execution:
        """Match an incoming order, then rest the remainder of a GTC limit order; ids must be unique."""
        remaining = order.quantity - order.filled
        price = order.price
        is_market = order.type == MARKET
        if remaining <= 0 or (price is None and not is_market):
            raise ValueError(f"cannot submit {order!r}")
        levels, keys, sign = self._opposite[order.side]
        limit_key = _NO_LIMIT if is_market else sign * price  # type: ignore[operator]
        if not keys or keys[-1] < limit_key:
            # Nothing to match, the most frequent case: rest (inlined, it is the hot path) or expire.
            if is_market or order.time_in_force != GTC:
                order.status = EXPIRED
                order.remaining = 0
            else:
                order.remaining = remaining
                own_levels, own_keys, own_sign = self._own[order.side]
                key = own_sign * price  # type: ignore[operator]
                level = own_levels.get(key)
                if level is None:
                    level = own_levels[key] = PriceLevel(price)  # type: ignore[arg-type]
                    insort(own_keys, key)
                level.orders.append(order)
                level.total += remaining
                level.count += 1
                self._index[order.id] = order
            return Execution(order, [])

        fills: list[Fill] = []
        trader_id = order.trader_id
        time_in_force = order.time_in_force
        if order.post_only:
            order.status = REJECTED
            order.remaining = 0
            return Execution(order, fills)
        if time_in_force == FOK and _fillable(levels, keys, limit_key, trader_id, remaining) < remaining:
            order.status = EXPIRED
            order.remaining = 0
            return Execution(order, fills)

        self_trade = False
        index = self._index
        append = fills.append
        while True:
            key = keys[-1]
            level = levels[key]
            queue = level.orders
            level_price = level.price
            # A level in the dict has count > 0, so a live order is always found before the queue runs out.
            while True:
                maker = queue[0]
                maker_remaining = maker.remaining
                if not maker_remaining:  # cancelled earlier, dropped lazily here
                    queue.popleft()
                    continue
                if maker.trader_id == trader_id:
                    self_trade = True
                    break
                if maker_remaining <= remaining:
                    queue.popleft()
                    del index[maker.id]
                    maker.filled = maker.quantity
                    maker.remaining = 0
                    maker.status = FILLED
                    level.count -= 1
                    level.total -= maker_remaining
                    remaining -= maker_remaining
                    append(Fill(maker, order, level_price, maker_remaining))
                    if not remaining or not level.count:
                        break
                else:
                    maker.filled += remaining
                    maker.remaining = maker_remaining - remaining
                    maker.status = PARTIALLY_FILLED
                    level.total -= remaining
                    append(Fill(maker, order, level_price, remaining))
                    remaining = 0
                    break
            if not level.count:
                del levels[key]
                keys.pop()
            if self_trade or not remaining or not keys or keys[-1] < limit_key:
                break

        order.filled = order.quantity - remaining
        if not remaining:
            order.status = FILLED
            order.remaining = 0
        elif self_trade or is_market or time_in_force != GTC:
            order.status = EXPIRED
            order.remaining = 0
        else:
            order.status = PARTIALLY_FILLED  # it crossed without meeting its own order first, so it filled some
            order.remaining = remaining
            self._rest(order)
        return Execution(order, fills)

    def _rest(self, order: BookOrder) -> None:
        levels, keys, sign = self._own[order.side]
        key = sign * order.price  # type: ignore[operator]
        level = levels.get(key)
        if level is None:
            level = levels[key] = PriceLevel(order.price)  # type: ignore[arg-type]
            insort(keys, key)
        level.orders.append(order)
        level.total += order.remaining
        level.count += 1
        self._index[order.id] = order

    def add_resting(self, order: BookOrder) -> None:
        """Put an order loaded from storage at the back of its level, without matching."""
        if order.status not in RESTING or order.price is None or order.quantity <= order.filled:
            raise ValueError(f"cannot rest {order!r}")
        if order.id in self._index:
            raise ValueError(f"order {order.id} is already resting")
        order.remaining = order.quantity - order.filled
        self._rest(order)

    def cancel(self, order_id: int) -> BookOrder | None:
        """Take a resting order out of the book (its queue entry goes lazily); None if it is not resting."""
        order = self._index.pop(order_id, None)
        if order is None:
            return None
        levels, keys, sign = self._own[order.side]
        key = sign * order.price  # type: ignore[operator]
        level = levels[key]
        level.total -= order.remaining
        level.count -= 1
        order.remaining = 0
        order.status = CANCELLED
        if not level.count:
            del levels[key]
            del keys[bisect_left(keys, key)]
        elif len(level.orders) > _COMPACT_FACTOR * level.count + _COMPACT_SLACK:
            level.orders = deque(live for live in level.orders if live.remaining)
        return order

    def reduce(self, order_id: int, new_quantity: int) -> BookOrder:
        """Lower a resting order's total quantity in place, so that it keeps its time priority."""
        order = self._index[order_id]
        if not order.filled < new_quantity < order.quantity:
            raise ValueError(f"new quantity {new_quantity} is not between filled and quantity of {order!r}")
        levels, _, sign = self._own[order.side]
        levels[sign * order.price].total -= order.quantity - new_quantity  # type: ignore[operator]
        order.quantity = new_quantity
        order.remaining = new_quantity - order.filled
        return order

    def amend(self, order_id: int, quantity: int, filled: int) -> BookOrder:
        """Set a resting order's quantity and filled amount in place (a fill or a reduction): it keeps its priority."""
        order = self._index[order_id]
        remaining = quantity - filled
        if remaining <= 0:
            raise ValueError(f"amending {order!r} to quantity {quantity}, filled {filled} leaves nothing resting")
        levels, _, sign = self._own[order.side]
        levels[sign * order.price].total += remaining - order.remaining  # type: ignore[operator]
        order.quantity = quantity
        order.filled = filled
        order.remaining = remaining
        if filled:
            order.status = PARTIALLY_FILLED
        return order

    def opposite_levels(self, side: Side) -> Iterator[tuple[int, int]]:
        """The levels an incoming order of this side would match, best first, as (price, total remaining)."""
        levels, keys, _ = self._opposite[side]
        for key in reversed(keys):
            yield levels[key].price, levels[key].total

    def get(self, order_id: int) -> BookOrder | None:
        """The resting order with this id, if any."""
        return self._index.get(order_id)

    def depth(self, levels: int) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """Bids and asks, best first, as (price, total remaining, number of orders) for up to `levels` each."""
        return _depth(self._bids, levels), _depth(self._asks, levels)

    @property
    def best_bid(self) -> int | None:
        keys = self._bids[1]
        return keys[-1] if keys else None

    @property
    def best_ask(self) -> int | None:
        keys = self._asks[1]
        return -keys[-1] if keys else None

    def resting_orders(self) -> Iterator[BookOrder]:
        """All resting orders in the order they came to rest: adding them back in it rebuilds the same book."""
        return iter(list(self._index.values()))

    def __len__(self) -> int:
        return len(self._index)


def _fillable(levels: dict[int, PriceLevel], keys: list[int], limit_key: float, trader_id: int, wanted: int) -> int:
    """Lots this trader could take right now: up to its limit and `wanted`, stopping at its own first order."""
    available = 0
    for key in reversed(keys):
        if key < limit_key:
            break
        for maker in levels[key].orders:
            if not maker.remaining:
                continue
            if maker.trader_id == trader_id:
                return available
            available += maker.remaining
            if available >= wanted:
                return available
    return available


def _depth(side: _Side, count: int) -> list[tuple[int, int, int]]:
    levels, keys, _ = side
    best_first = reversed(keys[-count:]) if count > 0 else ()
    return [(levels[key].price, levels[key].total, levels[key].count) for key in best_first]
