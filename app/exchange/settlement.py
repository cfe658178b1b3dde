"""What placing, filling, cancelling and reducing an order does to the balances of one batch (app/exchange/funds.py).

Placing holds what the order can spend, before it matches; each fill moves both sides' money out of the holds; what
an order no longer needs (filled below its hold, expired, cancelled, reduced) goes back to available.
"""

from collections.abc import Iterable
from decimal import Decimal

from app.domain.rules import MarketRules
from app.engine.orders import BUY, FOK, MARKET, RESTING, BookOrder, Fill
from app.exchange.funds import ZERO, Balances, InsufficientFunds, fee, limit_buy_need, order_hold


def resting_hold(rules: MarketRules, order: BookOrder) -> tuple[str, Decimal]:
    """What a resting order holds now (nothing once it is done)."""
    if order.status not in RESTING or order.price is None:
        return (rules.quote if order.side == BUY else rules.base), ZERO
    return order_hold(rules, order.side, rules.price_of(order.price), rules.quantity_of(order.remaining))


def market_buy_cost(rules: MarketRules, levels: Iterable[tuple[int, int]], lots: int) -> tuple[int, Decimal]:
    """(lots the asks have, up to `lots`; what taking them costs, taker fee included): a bound on what fills pay."""
    taken, notional = 0, ZERO
    for ticks, total in levels:
        take = min(total, lots - taken)
        notional += rules.price_of(ticks) * rules.quantity_of(take)
        taken += take
        if taken == lots:
            break
    return taken, notional + fee(rules, notional, rules.taker_fee_bps)


def affordable_market_buy(rules: MarketRules, levels: list[tuple[int, int]], lots: int, available: Decimal) -> int:
    """The most whole lots (up to `lots`, and what the asks have) whose cost is within `available`."""
    low, high = 0, market_buy_cost(rules, levels, lots)[0]
    while low < high:  # the cost grows with the lots: the largest affordable count, by bisection
        middle = (low + high + 1) // 2
        if market_buy_cost(rules, levels, middle)[1] <= available:
            low = middle
        else:
            high = middle - 1
    return low


def limit_need(rules: MarketRules, order: BookOrder) -> tuple[str, Decimal]:
    """What an incoming order (of a limit buy: at its limit) needs before it matches; a market buy's is its walk."""
    if order.side != BUY:
        return rules.base, rules.quantity_of(order.quantity)
    if order.price is None:
        return rules.quote, ZERO
    return rules.quote, limit_buy_need(rules, rules.price_of(order.price), rules.quantity_of(order.quantity))


def place_hold(
    rules: MarketRules, balances: Balances, order: BookOrder, asks: list[tuple[int, int]] | None
) -> tuple[str, Decimal]:
    """Check and hold what an incoming order can spend; a market buy's quantity is cut to what the balance affords.

    `asks`: for a market buy, the ask levels best first (ticks, lots). Raises InsufficientFunds, changing nothing.
    """
    trader = order.trader_id
    asset, need = limit_need(rules, order)
    if order.side == BUY and order.type == MARKET:
        assert asks is not None
        available = balances.available((trader, asset))
        liquidity, cost = market_buy_cost(rules, asks, order.quantity)
        if order.time_in_force == FOK or liquidity == 0:
            # FOK takes all or nothing; with no asks at all, the order only expires.
            need = cost if liquidity == order.quantity else ZERO
        else:
            affordable = affordable_market_buy(rules, asks, order.quantity, available)
            if affordable == 0:
                need = market_buy_cost(rules, asks, 1)[1]
            else:
                if affordable < liquidity:
                    order.quantity = affordable  # sized to the balance: whole lots it can pay for
                    order.remaining = affordable
                need = market_buy_cost(rules, asks, affordable)[1]
    available = balances.available((trader, asset))
    if need > available:
        raise InsufficientFunds(rules, asset, need, available)
    balances.hold((trader, asset), need)
    return asset, need


def settle_fill(
    rules: MarketRules, balances: Balances, taker: BookOrder, fill: Fill
) -> tuple[Decimal, Decimal, Decimal]:
    """Move both sides' money for one fill; (maker fee, taker fee, what the taker paid out of its hold)."""
    price, quantity = rules.price_of(fill.price), rules.quantity_of(fill.quantity)
    notional = price * quantity
    maker_fee = fee(rules, notional, rules.maker_fee_bps)
    taker_fee = fee(rules, notional, rules.taker_fee_bps)
    maker = fill.maker
    buyer, seller = (taker, maker) if taker.side == BUY else (maker, taker)
    buyer_fee, seller_fee = (taker_fee, maker_fee) if buyer is taker else (maker_fee, taker_fee)
    balances.move((buyer.trader_id, rules.quote), ZERO, -(notional + buyer_fee))
    balances.move((buyer.trader_id, rules.base), quantity, ZERO)
    balances.move((seller.trader_id, rules.base), ZERO, -quantity)
    balances.move((seller.trader_id, rules.quote), notional - seller_fee, ZERO)
    # The maker's hold shrinks to what its remainder needs; what the fill paid came out of it, the rest is freed.
    asset, before = order_hold(rules, maker.side, price, rules.quantity_of(maker.remaining + fill.quantity))
    _, after = resting_hold(rules, maker)
    paid = notional + maker_fee if maker.side == BUY else quantity
    balances.release((maker.trader_id, asset), before - after - paid)
    return maker_fee, taker_fee, (notional + taker_fee if taker.side == BUY else quantity)


def release_taker(
    rules: MarketRules, balances: Balances, order: BookOrder, held: tuple[str, Decimal], paid: Decimal
) -> None:
    """After matching: free what the incoming order held beyond what it paid and what its resting remainder needs."""
    asset, amount = held
    _, still = resting_hold(rules, order)
    balances.release((order.trader_id, asset), amount - paid - still)
