"""An order as the exchange answers it: one immutable shape, from the writer's committed batch or a stored row."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, localcontext

from app.domain.rules import MarketRules
from app.engine.orders import BookOrder
from models import Order, Trade
from models.clock import aware
from models.enums import RESTING_STATUSES


@dataclass(frozen=True, slots=True)
class FillResult:
    """One trade of an order, as stored."""

    id: int
    price: Decimal
    quantity: Decimal
    taker_side: str
    created_at: datetime
    fee: Decimal  # what the order this fill belongs to paid, in the quote asset

    @classmethod
    def of_row(cls, trade: Trade, order_id: int | None = None) -> "FillResult":
        """A stored trade as a fill of order `order_id` (its fee is the taker's or the maker's)."""
        assert trade.id is not None
        fee = trade.taker_fee if order_id == trade.taker_order_id else trade.maker_fee
        return cls(trade.id, trade.price, trade.quantity, trade.taker_side, aware(trade.created_at), fee)


@dataclass(frozen=True, slots=True)
class OrderResult:
    """An order in its stored state with its fills, oldest first; timestamps are zone-aware UTC."""

    id: int
    market_id: int
    client_order_id: str | None
    side: str
    type: str
    price: Decimal | None
    quantity: Decimal
    filled_quantity: Decimal
    status: str
    time_in_force: str
    post_only: bool
    created_at: datetime
    updated_at: datetime
    fills: tuple[FillResult, ...]

    @property
    def resting(self) -> bool:
        return self.status in RESTING_STATUSES

    @property
    def remaining_quantity(self) -> Decimal:
        """What still rests in the book: nothing once the order is done, whatever was left unfilled."""
        return self.quantity - self.filled_quantity if self.resting else Decimal(0)

    @property
    def average_price(self) -> Decimal | None:
        """The quantity-weighted mean price of the fills, None before the first one.

        Each price x quantity is exact; only the one division may not end (1 @ 100 and 2 @ 101 is 100.666...). It is
        carried to 60 digits: a mean that is not exactly on a half tick is further from it than 1 / (2 x the filled
        lots), far more than 60 digits can blur, so rounding this to the tick rounds the exact mean.
        """
        filled = sum((fill.quantity for fill in self.fills), Decimal(0))
        if not filled:
            return None
        with localcontext() as context:
            context.prec = 60
            return sum((fill.price * fill.quantity for fill in self.fills), Decimal(0)) / filled

    @classmethod
    def of_row(cls, order: Order, trades: Iterable[Trade] = ()) -> "OrderResult":
        """A stored order and its stored trades (the read side)."""
        assert order.id is not None
        return cls(
            id=order.id,
            market_id=order.market_id,
            client_order_id=order.client_order_id,
            side=order.side,
            type=order.type,
            price=order.price,
            quantity=order.quantity,
            filled_quantity=order.filled_quantity,
            status=order.status,
            time_in_force=order.time_in_force,
            post_only=order.post_only,
            created_at=aware(order.created_at),
            updated_at=aware(order.updated_at),
            fills=tuple(FillResult.of_row(trade, order.id) for trade in trades),
        )

    @classmethod
    def of_book(
        cls,
        order: BookOrder,
        rules: MarketRules,
        *,
        client_order_id: str | None,
        at: datetime,
        fills: tuple[FillResult, ...],
    ) -> "OrderResult":
        """An order placed in a batch that committed at `at`, in the state the engine left it."""
        return cls(
            id=order.id,
            market_id=rules.id,
            client_order_id=client_order_id,
            side=order.side,
            type=order.type,
            price=None if order.price is None else rules.price_of(order.price),
            quantity=rules.quantity_of(order.quantity),
            filled_quantity=rules.quantity_of(order.filled),
            status=order.status,
            time_in_force=order.time_in_force,
            post_only=order.post_only,
            created_at=at,
            updated_at=at,
            fills=fills,
        )

    def changed_by(
        self, order: BookOrder, rules: MarketRules, *, at: datetime, fills: tuple[FillResult, ...]
    ) -> "OrderResult":
        """This stored order after a batch that committed at `at` changed it in the book and added `fills`."""
        return replace(
            self,
            quantity=rules.quantity_of(order.quantity),
            filled_quantity=rules.quantity_of(order.filled),
            status=order.status,
            updated_at=at,
            fills=self.fills + fills,
        )
