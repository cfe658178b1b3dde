"""What the engine trades in: orders, fills and executions, in integer ticks and lots, with their vocabulary."""

from __future__ import annotations

from models.enums import RESTING_STATUSES, OrderStatus, OrderType, Side, TimeInForce

# The enums' members under short module names: the matching loop reads a global faster than an enum's attribute.
BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
GTC, IOC, FOK = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK
OPEN, PARTIALLY_FILLED, FILLED = OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED
CANCELLED, EXPIRED, REJECTED = OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED
RESTING = frozenset(RESTING_STATUSES)


class BookOrder:
    """An order as the engine sees it; `remaining` is what rests in the book (0 once the order is done)."""

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
        side: Side,
        price: int | None,
        quantity: int,
        type: OrderType = LIMIT,
        time_in_force: TimeInForce = GTC,
        post_only: bool = False,
        filled: int = 0,
        status: OrderStatus = OPEN,
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
            f"BookOrder(id={self.id}, trader_id={self.trader_id}, side={str(self.side)!r}, price={self.price}, "
            f"quantity={self.quantity}, filled={self.filled}, status={str(self.status)!r})"
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
    """The outcome of one submit: the incoming order in its final state and its fills in execution order."""

    __slots__ = ("fills", "order")

    def __init__(self, order: BookOrder, fills: list[Fill]) -> None:
        self.order = order
        self.fills = fills
