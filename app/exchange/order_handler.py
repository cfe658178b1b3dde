"""How a market's writer applies one order command to its book and the batch: place, cancel, reduce, replace."""

from decimal import Decimal
from typing import Any

from app.engine.orders import BUY, GTC, LIMIT, MARKET, RESTING, BookOrder
from app.errors import Conflict, InvalidInput, NotFound, ServiceError
from app.exchange import settlement
from app.exchange.commands import Batch, CancelAll, CancelOrder, Command, PlaceOrder, ReduceOrder, ReplaceOrder
from app.exchange.funds import InsufficientFunds
from app.exchange.market_book import MarketBook
from app.store import writes


class OrderHandler:
    """Each command changes the book, and records in the batch what to write; holds and fills move its balances."""

    def __init__(self, market: MarketBook, *, max_resting_per_trader: int) -> None:
        self.market = market
        self.rules = market.rules
        self.max_resting_per_trader = max_resting_per_trader

    def apply(self, batch: Batch, command: Command) -> Any:
        """Apply one command to the book and the batch; it answers in order ids, which `Batch.answer` resolves."""
        try:
            if isinstance(command, PlaceOrder):
                return self._place(batch, command)
            if isinstance(command, CancelOrder):
                return self._cancel(batch, command.trader_id, command.order_id)
            if isinstance(command, CancelAll):
                return [
                    self._cancel(batch, command.trader_id, order.id)
                    for order in sorted(self.market.book.resting_orders(), key=lambda order: order.id)
                    if order.trader_id == command.trader_id
                ]
            if isinstance(command, ReduceOrder):
                return self._reduce(batch, command)
            if isinstance(command, ReplaceOrder):
                return self._replace(batch, command)
            return self.market.sequence
        except ServiceError as error:
            return error

    def _place(self, batch: Batch, command: PlaceOrder) -> tuple[int, bool]:
        if command.client_order_id is not None:
            key = (command.trader_id, command.client_order_id)
            earlier = batch.client_order_ids.get(key)
            if earlier is not None:
                return earlier, False
            stored = batch.stored_client_order(key)
            if stored is not None:
                assert stored.id is not None
                batch.answers_with(stored.id, stored)
                return stored.id, False
        may_rest = command.type == LIMIT and command.time_in_force == GTC
        if may_rest and self.market.resting_by_trader[command.trader_id] >= self.max_resting_per_trader:
            cap = self.max_resting_per_trader
            raise Conflict(
                f"you have {cap} resting order{'' if cap == 1 else 's'} in {self.rules.symbol}, the most allowed: "
                "cancel some before placing more"
            )
        order = BookOrder(
            id=0,
            trader_id=command.trader_id,
            side=command.side,
            price=command.price,
            quantity=command.quantity,
            type=command.type,
            time_in_force=command.time_in_force,
            post_only=command.post_only,
        )
        asks = None
        if order.type == MARKET and order.side == BUY:
            asks = []
            for level in self.market.book.opposite_levels(order.side):  # as deep as the order could reach
                asks.append(level)
                if sum(lots for _, lots in asks) >= order.quantity:
                    break
        held = settlement.place_hold(self.rules, batch.balances, order, asks)  # before anything else changes
        order.id = batch.order_ids.next()
        execution = self.market.book.submit(order)
        if order.status in RESTING:
            self.market.resting_by_trader[order.trader_id] += 1
        sequence = batch.next_sequence()
        batch.new_orders[order.id] = (order, command.client_order_id, sequence)
        batch.traders.add(order.trader_id)
        if command.client_order_id is not None:
            batch.client_order_ids[(command.trader_id, command.client_order_id)] = order.id
        paid = Decimal(0)
        for fill in execution.fills:
            maker_fee, taker_fee, taker_paid = settlement.settle_fill(self.rules, batch.balances, order, fill)
            paid += taker_paid
            batch.fees += maker_fee + taker_fee
            row = {
                "id": batch.trade_ids.next(),
                "market_id": self.rules.id,
                "sequence": sequence,
                "price": self.rules.price_of(fill.price),
                "quantity": self.rules.quantity_of(fill.quantity),
                "taker_side": order.side,
                "taker_order_id": order.id,
                "maker_order_id": fill.maker.id,
                "created_at": batch.now,
                "maker_fee": maker_fee,
                "taker_fee": taker_fee,
            }
            batch.add_trade(row)
            batch.changed[fill.maker.id] = fill.maker
            if fill.maker.status not in RESTING:
                self.market.resting_by_trader[fill.maker.trader_id] -= 1
            batch.traders.add(fill.maker.trader_id)
        settlement.release_taker(self.rules, batch.balances, order, held, paid)
        return order.id, True

    def _resting_own_order(self, batch: Batch, trader_id: int, order_id: int) -> BookOrder:
        order = self.market.book.get(order_id)
        if order is None or order.trader_id != trader_id:
            stored = writes.find_order(batch.session, trader_id, order_id)
            if stored is None or stored.market_id != self.rules.id:
                raise NotFound(f"order {order_id} not found")
            raise Conflict(f"order {order_id} is {stored.status}, not resting: it cannot be changed")
        return order

    def _cancel(self, batch: Batch, trader_id: int, order_id: int) -> int:
        asset, held = settlement.resting_hold(self.rules, self._resting_own_order(batch, trader_id, order_id))
        order = self.market.book.cancel(order_id)
        assert order is not None
        batch.balances.release((order.trader_id, asset), held)
        self.market.resting_by_trader[order.trader_id] -= 1
        batch.next_sequence()
        batch.changed[order.id] = order
        batch.traders.add(order.trader_id)
        batch.answers_with(order.id)
        return order.id

    def _reduce(self, batch: Batch, command: ReduceOrder) -> int:
        order = self._resting_own_order(batch, command.trader_id, command.order_id)
        if command.quantity >= order.quantity:
            current = self.rules.quantity_text(self.rules.quantity_of(order.quantity))
            raise InvalidInput(
                "quantity", f"must be less than the current quantity {current}: orders can only be reduced"
            )
        if command.quantity <= order.filled:
            filled = self.rules.quantity_text(self.rules.quantity_of(order.filled))
            raise InvalidInput("quantity", f"must be greater than the filled quantity {filled}")
        asset, before = settlement.resting_hold(self.rules, order)
        self.market.book.reduce(order.id, command.quantity)
        batch.balances.release((order.trader_id, asset), before - settlement.resting_hold(self.rules, order)[1])
        batch.next_sequence()
        batch.changed[order.id] = order
        batch.traders.add(order.trader_id)
        batch.answers_with(order.id)
        return order.id

    def _replace(self, batch: Batch, command: ReplaceOrder) -> tuple[int, bool]:
        """Cancel-replace: checked first, so that a refusal changes nothing; the new order queues at the back."""
        old = self._resting_own_order(batch, command.trader_id, command.order_id)
        quantity = old.remaining if command.quantity is None else command.quantity
        rules = self.rules
        rules.check_notional(rules.price_of(command.price), rules.quantity_of(quantity))
        best = self.market.book.best_ask if old.side == BUY else self.market.book.best_bid
        crosses = best is not None and (command.price >= best if old.side == BUY else command.price <= best)
        if old.post_only and crosses:
            raise InvalidInput("price", "would take liquidity, and the order is post-only: nothing was changed")
        new = BookOrder(id=0, trader_id=old.trader_id, side=old.side, price=command.price, quantity=quantity)
        asset, need = settlement.limit_need(rules, new)
        _, released = settlement.resting_hold(rules, old)
        available = batch.balances.available((old.trader_id, asset)) + released
        if need > available:
            raise InsufficientFunds(rules, asset, need, available)
        self._cancel(batch, command.trader_id, old.id)
        place = PlaceOrder(
            trader_id=old.trader_id,
            future=command.future,
            side=old.side,
            type=LIMIT,
            price=command.price,
            quantity=quantity,
            time_in_force=GTC,
            post_only=old.post_only,
            client_order_id=None,  # it stays the cancelled order's: a client order id names one order
        )
        return self._place(batch, place)
