"""Pure price-time priority matching engine: integer ticks and lots in, orders and fills out."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator

BUY = "buy"
SELL = "sell"
LIMIT = "limit"
MARKET = "market"
GTC = "GTC"
IOC = "IOC"
FOK = "FOK"
OPEN = "open"
PARTIALLY_FILLED = "partially_filled"
FILLED = "filled"
CANCELLED = "cancelled"
EXPIRED = "expired"
REJECTED = "rejected"
RESTING = frozenset({OPEN, PARTIALLY_FILLED})

# A market order crosses every price: -inf is below every level key on either side.
_NO_LIMIT = float("-inf")
# Cancelled orders stay in their FIFO until matching reaches them; past this ratio of dead to live
# entries the FIFO is rebuilt so that memory and the skip work stay bounded.
_COMPACT_FACTOR = 2
_COMPACT_SLACK = 16


class BookOrder:
    """An order as the engine sees it; `remaining` is what rests in the book (0 once it is done)."""

    __slots__ = (
        "filled",
        "id",
        "post_only",
        "price",
        "quantity",
        "remaining",
        "side",
        "status",
        "time_in_force",
        "trader_id",
        "type",
    )

    def __init__(
        self,
        *,
        id: int,
        trader_id: int,
        side: str,
        price: int | None,
        quantity: int,
        type: str = LIMIT,
        time_in_force: str = GTC,
        post_only: bool = False,
        filled: int = 0,
        status: str = OPEN,
    ) -> None:
        self.id = id
        self.trader_id = trader_id
        self.side = side
        self.price = price
        self.quantity = quantity
        self.filled = filled
        self.remaining = quantity - filled if status in RESTING else 0
        self.type = type
        self.time_in_force = time_in_force
        self.post_only = post_only
        self.status = status

    def __repr__(self) -> str:
        return (
            f"BookOrder(id={self.id}, trader_id={self.trader_id}, side={self.side!r}, price={self.price}, "
            f"quantity={self.quantity}, filled={self.filled}, status={self.status!r})"
        )


class Fill:
    """One trade between a resting maker and the incoming taker, at the maker's price."""

    __slots__ = ("maker", "price", "quantity", "taker")

    def __init__(self, maker: BookOrder, taker: BookOrder, price: int, quantity: int) -> None:
        self.maker = maker
        self.taker = taker
        self.price = price
        self.quantity = quantity

    def __repr__(self) -> str:
        return f"Fill(maker={self.maker.id}, taker={self.taker.id}, price={self.price}, quantity={self.quantity})"


class Execution:
    """The outcome of one submit: the incoming order in its final state and its fills in order."""

    __slots__ = ("fills", "order")

    def __init__(self, order: BookOrder, fills: list[Fill]) -> None:
        self.order = order
        self.fills = fills


class PriceLevel:
    """The FIFO of orders resting at one price, with its live total and count (dead entries excluded)."""

    __slots__ = ("count", "orders", "price", "total")

    def __init__(self, price: int) -> None:
        self.price = price
        self.orders: deque[BookOrder] = deque()
        self.total = 0
        self.count = 0


class OrderBook:
    """One market's book: per side a dict of price levels plus their keys sorted with the best at the end."""

    def __init__(self) -> None:
        # Level keys are the price for bids and minus the price for asks, so on both sides the best level is
        # the largest key (last in the sorted list) and "crosses the limit" is one comparison: key >= limit key.
        self._bid_levels: dict[int, PriceLevel] = {}
        self._ask_levels: dict[int, PriceLevel] = {}
        self._bid_keys: list[int] = []
        self._ask_keys: list[int] = []
        # Insertion order is resting order, so iterating it and re-adding rebuilds the same priorities.
        self._index: dict[int, BookOrder] = {}

    def submit(self, order: BookOrder) -> Execution:
        """Match the incoming order against the opposite side, then rest the remainder of a GTC limit order.

        Order ids must be unique; the caller (the service) guarantees it, so the hot path does not check.
        """
        remaining = order.quantity - order.filled
        if remaining <= 0:
            raise ValueError(f"order {order.id} has nothing to fill")
        price = order.price
        if order.side == BUY:
            levels, keys = self._ask_levels, self._ask_keys
            limit_key = _NO_LIMIT if price is None else -price
        else:
            levels, keys = self._bid_levels, self._bid_keys
            limit_key = _NO_LIMIT if price is None else price
        is_market = order.type == MARKET
        if not is_market and price is None:
            raise ValueError(f"limit order {order.id} needs a price")
        crosses = keys and keys[-1] >= limit_key
        if not crosses:
            # The common passive case: nothing to match, so skip straight to resting or expiring.
            if is_market or order.time_in_force != GTC:
                order.status = EXPIRED
                order.remaining = 0
            else:
                order.remaining = remaining
                self._rest(order)
            return Execution(order, [])
        fills: list[Fill] = []
        if order.post_only:
            order.status = REJECTED
            order.remaining = 0
            return Execution(order, fills)
        tif = order.time_in_force
        trader_id = order.trader_id
        if tif == FOK and self._fillable(levels, keys, limit_key, trader_id, remaining) < remaining:
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
        elif self_trade or is_market or tif != GTC:
            order.status = EXPIRED
            order.remaining = 0
        else:
            order.status = PARTIALLY_FILLED
            order.remaining = remaining
            self._rest(order)
        return Execution(order, fills)

    def _fillable(
        self, levels: dict[int, PriceLevel], keys: list[int], limit_key: float, trader_id: int, wanted: int
    ) -> int:
        """Lots available to this trader right now, stopping at the limit, at `wanted`, or at its own order."""
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

    def _rest(self, order: BookOrder) -> None:
        if order.side == BUY:
            levels, keys, key = self._bid_levels, self._bid_keys, order.price
        else:
            levels, keys, key = self._ask_levels, self._ask_keys, -order.price
        level = levels.get(key)
        if level is None:
            level = levels[key] = PriceLevel(order.price)
            insort(keys, key)
        level.orders.append(order)
        level.total += order.remaining
        level.count += 1
        self._index[order.id] = order

    def _level_of(self, order: BookOrder) -> tuple[dict[int, PriceLevel], list[int], int, PriceLevel]:
        if order.side == BUY:
            levels, keys, key = self._bid_levels, self._bid_keys, order.price
        else:
            levels, keys, key = self._ask_levels, self._ask_keys, -order.price
        return levels, keys, key, levels[key]

    def add_resting(self, order: BookOrder) -> None:
        """Put an order loaded from storage at the back of its level, without matching."""
        if order.status not in RESTING or order.price is None or order.quantity <= order.filled:
            raise ValueError(f"order {order.id} cannot rest: {order!r}")
        if order.id in self._index:
            raise ValueError(f"order {order.id} is already resting")
        order.remaining = order.quantity - order.filled
        self._rest(order)

    def cancel(self, order_id: int) -> BookOrder | None:
        """Take a resting order out of the book; its FIFO entry is dropped lazily. None if it is not resting."""
        order = self._index.pop(order_id, None)
        if order is None:
            return None
        levels, keys, key, level = self._level_of(order)
        level.total -= order.remaining
        level.count -= 1
        order.remaining = 0
        order.status = CANCELLED
        if not level.count:
            del levels[key]
            del keys[bisect_left(keys, key)]
        elif len(level.orders) > _COMPACT_FACTOR * level.count + _COMPACT_SLACK:
            level.orders = deque(o for o in level.orders if o.remaining)
        return order

    def reduce(self, order_id: int, new_quantity: int) -> BookOrder:
        """Lower a resting order's total quantity in place, so it keeps its time priority."""
        order = self._index[order_id]
        if not order.filled < new_quantity < order.quantity:
            raise ValueError(
                f"order {order_id}: new quantity {new_quantity} must be above filled {order.filled} "
                f"and below quantity {order.quantity}"
            )
        level = self._level_of(order)[3]
        level.total -= order.quantity - new_quantity
        order.quantity = new_quantity
        order.remaining = new_quantity - order.filled
        return order

    def get(self, order_id: int) -> BookOrder | None:
        """The resting order with this id, if any."""
        return self._index.get(order_id)

    def depth(self, levels: int) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """Bids and asks, best first, as (price, total remaining, number of orders) for up to `levels` each."""
        sides = []
        for book_levels, keys in ((self._bid_levels, self._bid_keys), (self._ask_levels, self._ask_keys)):
            best_first = (book_levels[key] for key in reversed(keys[-levels:] if levels > 0 else []))
            sides.append([(level.price, level.total, level.count) for level in best_first])
        return sides[0], sides[1]

    @property
    def best_bid(self) -> int | None:
        return self._bid_keys[-1] if self._bid_keys else None

    @property
    def best_ask(self) -> int | None:
        return -self._ask_keys[-1] if self._ask_keys else None

    def resting_orders(self) -> Iterator[BookOrder]:
        """All resting orders in the order they came to rest; adding them back in this order rebuilds the book."""
        return iter(list(self._index.values()))

    def __len__(self) -> int:
        return len(self._index)
