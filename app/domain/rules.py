"""A market's money rules: Decimal <-> integer ticks and lots, formatting, and validation of order input."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext

from app.errors import InvalidInput
from models import Market, MarketPublic


def places_of(step: Decimal) -> int:
    """The decimals of a step (0.0100 -> 2)."""
    return max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class MarketRules:
    """Everything about a market that does not change while it trades."""

    id: int
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_notional: Decimal
    max_price: Decimal
    max_quantity: Decimal
    maker_fee_bps: int = 0
    taker_fee_bps: int = 0

    @classmethod
    def of(cls, market: Market) -> "MarketRules":
        assert market.id is not None
        return cls(
            id=market.id,
            symbol=market.symbol,
            base=market.base,
            quote=market.quote,
            tick_size=market.tick_size,
            lot_size=market.lot_size,
            min_notional=market.min_notional,
            max_price=market.max_price,
            max_quantity=market.max_quantity,
            maker_fee_bps=market.maker_fee_bps,
            taker_fee_bps=market.taker_fee_bps,
        )

    # Worked out once: every order's answer formats several prices and quantities (see __post_init__).
    price_places: int = field(init=False, repr=False, compare=False)
    quantity_places: int = field(init=False, repr=False, compare=False)
    # The decimals of price x quantity (of tick_size x lot_size): amounts of the quote asset, fees included.
    notional_places: int = field(init=False, repr=False, compare=False)
    _price_format: str = field(init=False, repr=False, compare=False)
    _quantity_format: str = field(init=False, repr=False, compare=False)
    _notional_format: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        price_places, quantity_places = places_of(self.tick_size), places_of(self.lot_size)
        derived = {
            "price_places": price_places,
            "quantity_places": quantity_places,
            "notional_places": price_places + quantity_places,
            "_price_format": f".{price_places}f",
            "_quantity_format": f".{quantity_places}f",
            "_notional_format": f".{price_places + quantity_places}f",
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen: set once, here

    def notional_text(self, amount: Decimal) -> str:
        return format(amount, self._notional_format)

    def price_text(self, price: Decimal) -> str:
        return format(price, self._price_format)

    def quantity_text(self, quantity: Decimal) -> str:
        return format(quantity, self._quantity_format)

    def price_of(self, ticks: int) -> Decimal:
        return ticks * self.tick_size

    def quantity_of(self, lots: int) -> Decimal:
        return lots * self.lot_size

    def ticks(self, price: Decimal) -> int:
        """Integer ticks of a price already known to be on the tick."""
        return int(price / self.tick_size)

    def lots(self, quantity: Decimal) -> int:
        """Integer lots of a quantity already known to be on the lot."""
        return int(quantity / self.lot_size)

    def public(self) -> MarketPublic:
        return MarketPublic(
            symbol=self.symbol,
            base=self.base,
            quote=self.quote,
            tick_size=self.price_text(self.tick_size),
            lot_size=self.quantity_text(self.lot_size),
            min_notional=self.price_text(self.min_notional),
            max_price=self.price_text(self.max_price),
            max_quantity=self.quantity_text(self.max_quantity),
            maker_fee_bps=self.maker_fee_bps,
            taker_fee_bps=self.taker_fee_bps,
        )

    def check_price(self, price: Decimal, field: str = "price") -> int:
        """The price in ticks, or InvalidInput naming the field and why."""
        step_multiple(price, self.tick_size, self.max_price, field, "tick size")
        return self.ticks(price)

    def check_quantity(self, quantity: Decimal, field: str = "quantity") -> int:
        """The quantity in lots, or InvalidInput naming the field and why."""
        step_multiple(quantity, self.lot_size, self.max_quantity, field, "lot size")
        return self.lots(quantity)

    def check_notional(self, price: Decimal, quantity: Decimal) -> None:
        value = price * quantity
        if value < self.min_notional:
            # Exact, with as many places as it needs past the quote's (0.0001 USD, not 0.00): a value cut to the
            # quote's places could read as zero, or as the minimum itself.
            places = max(self.price_places, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
            shown = f"{value:.{places}f}"
            raise InvalidInput(
                "quantity",
                f"order value {shown} {self.quote} is below the minimum notional "
                f"{self.price_text(self.min_notional)} {self.quote}",
            )


def step_multiple(value: Decimal, step: Decimal, maximum: Decimal, field: str, step_name: str) -> None:
    """Check that a value is finite, positive, at most the maximum and a whole multiple of the step."""
    if not value.is_finite():
        raise InvalidInput(field, "must be a finite number")
    if value <= 0:
        raise InvalidInput(field, "must be greater than 0")
    if value > maximum:
        raise InvalidInput(field, f"must be at most {maximum}")
    with localcontext() as context:
        context.prec = 60  # enough for any value below the maximum, so the remainder is exact
        try:
            off_step = value % step != 0
        except InvalidOperation:
            off_step = True
    if off_step:
        raise InvalidInput(field, f"must be a multiple of the {step_name} {step}")


def asset_places(markets: Iterable[MarketRules]) -> dict[str, int]:
    """The decimals each asset is shown and counted in: a base's lot, a quote's notional (fees have those decimals)."""
    places: dict[str, int] = {}
    for rules in markets:
        places[rules.base] = max(places.get(rules.base, 0), rules.quantity_places)
        places[rules.quote] = max(places.get(rules.quote, 0), rules.notional_places)
    return dict(sorted(places.items()))
