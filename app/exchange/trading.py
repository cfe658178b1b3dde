"""The order commands: validate a trader's request, hand it to its market's writer, answer with the committed order."""

import functools
import time
from collections.abc import Awaitable, Callable

from app.domain.results import OrderResult
from app.domain.rules import MarketRules
from app.errors import InvalidInput, ServiceError
from app.exchange.commands import CancelAll, CancelOrder, PlaceOrder, ReduceOrder, ReplaceOrder
from app.exchange.present import order_public
from app.exchange.registry import MarketRegistry
from app.observability.metrics import UNKNOWN_MARKET, count_order
from models import OrderAmend, OrderCreate, OrderPublic
from models.enums import OrderType, Side, TimeInForce

PlaceOrderMethod = Callable[..., Awaitable[tuple[OrderPublic, bool]]]


def observe_place_order(place: PlaceOrderMethod) -> PlaceOrderMethod:
    """Wraps OrderCommands.place_order: counts its outcome and times it from receipt to acknowledgement."""

    @functools.wraps(place)
    async def observed(commands: "OrderCommands", *, trader_id: int, order_in: OrderCreate) -> tuple[OrderPublic, bool]:
        started = time.perf_counter()
        market = order_in.symbol if order_in.symbol in commands.registry.writers else UNKNOWN_MARKET
        try:
            order, is_new = await place(commands, trader_id=trader_id, order_in=order_in)
        except ServiceError as error:
            count_order(market, "refused" if error.status_code < 500 else "unavailable")
            raise
        except Exception:
            count_order(market, "error")
            raise
        count_order(market, order.status if is_new else "duplicate", time.perf_counter() - started)
        return order, is_new

    return observed


class OrderCommands:
    """Place, cancel, amend: each answers once its batch has committed, with the order as stored."""

    def __init__(self, registry: MarketRegistry) -> None:
        self.registry = registry

    def _public(self, result: OrderResult) -> OrderPublic:
        return order_public(result, self.registry.rules_by_id[result.market_id])

    @observe_place_order
    async def place_order(self, *, trader_id: int, order_in: OrderCreate) -> tuple[OrderPublic, bool]:
        """Validate, match and commit an order; (the order after matching, whether it is new)."""
        rules = self.registry.rules(order_in.symbol, field="symbol")
        price = validate_order(rules, order_in)
        quantity = rules.check_quantity(order_in.quantity)
        result, created = await self.registry.submit(
            rules.symbol,
            lambda future: PlaceOrder(
                trader_id=trader_id,
                future=future,
                side=Side(order_in.side),
                type=OrderType(order_in.type),
                price=price,
                quantity=quantity,
                # Validation put the order type's own default in place of None (models/order.py).
                time_in_force=TimeInForce(order_in.time_in_force or TimeInForce.GTC),
                post_only=order_in.post_only,
                client_order_id=order_in.client_order_id,
            ),
        )
        return order_public(result, rules), created

    async def cancel_order(self, *, trader_id: int, order_id: int) -> OrderPublic:
        symbol = await self.registry.market_of_order(trader_id, order_id)
        result = await self.registry.submit(
            symbol, lambda future: CancelOrder(trader_id=trader_id, future=future, order_id=order_id)
        )
        return self._public(result)

    async def cancel_all(self, *, trader_id: int, symbol: str | None = None) -> list[OrderPublic]:
        registry = self.registry
        symbols = [registry.rules(symbol, field="symbol").symbol] if symbol else list(registry.writers)
        cancelled: list[OrderPublic] = []
        for market in symbols:
            results = await registry.submit(market, lambda future: CancelAll(trader_id=trader_id, future=future))
            cancelled += [self._public(result) for result in results]
        return cancelled

    async def amend_order(self, *, trader_id: int, order_id: int, amend: OrderAmend) -> OrderPublic:
        """Reduce a resting order in place (keeps its priority) or, given a price, cancel-replace it (a new order)."""
        if amend.price is None:
            return await self.reduce_order(trader_id=trader_id, order_id=order_id, amend=amend)
        symbol = await self.registry.market_of_order(trader_id, order_id)
        rules = self.registry.writers[symbol].rules
        price = rules.check_price(amend.price)
        quantity = None if amend.quantity is None else rules.check_quantity(amend.quantity)
        result, _ = await self.registry.submit(
            symbol,
            lambda future: ReplaceOrder(
                trader_id=trader_id, future=future, order_id=order_id, price=price, quantity=quantity
            ),
        )
        return self._public(result)

    async def reduce_order(self, *, trader_id: int, order_id: int, amend: OrderAmend) -> OrderPublic:
        if amend.quantity is None:
            raise InvalidInput("quantity", "is required to reduce an order (or give a new price)")
        symbol = await self.registry.market_of_order(trader_id, order_id)
        quantity = self.registry.writers[symbol].rules.check_quantity(amend.quantity)
        result = await self.registry.submit(
            symbol,
            lambda future: ReduceOrder(trader_id=trader_id, future=future, order_id=order_id, quantity=quantity),
        )
        return self._public(result)


def validate_order(rules: MarketRules, order_in: OrderCreate) -> int | None:
    """Check an order against its market's rules; its limit price in ticks (None for a market order)."""
    if order_in.type == OrderType.MARKET:
        if order_in.price is not None:
            raise InvalidInput("price", "must be omitted for a market order")
        if order_in.post_only:
            raise InvalidInput("post_only", "a market order always takes liquidity; post_only needs a limit order")
        return None
    if order_in.price is None:
        raise InvalidInput("price", "is required for a limit order")
    if order_in.post_only and order_in.time_in_force != TimeInForce.GTC:
        raise InvalidInput("post_only", f"needs time_in_force GTC, not {order_in.time_in_force}")
    price = rules.check_price(order_in.price)
    rules.check_quantity(order_in.quantity)
    rules.check_notional(order_in.price, order_in.quantity)
    return price
