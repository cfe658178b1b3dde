"""What an order would cost before it is placed, and the most a balance affords: the page's order form asks these.

Pure and exact (Decimal, the same rules as app/exchange/funds.py and settlement.py), so what the form shows is what the
exchange will hold: a limit buy its value plus the higher fee, a market buy what walking the book costs with the
taker fee. A fee is rounded down per fill, so the fee of the whole order shown here is the most it can pay.
"""

from dataclasses import dataclass
from decimal import Decimal

from app.domain.rules import MarketRules
from app.exchange.commands import BookSnapshot
from app.exchange.funds import ZERO, fee, limit_buy_need
from app.exchange.settlement import affordable_market_buy
from models.enums import OrderType, Side


@dataclass(frozen=True, slots=True)
class Estimate:
    """An order's money before it is placed: `value` and `fee` in the quote asset, `spend` of `asset`."""

    asset: str  # what the order spends: the quote for a buy, the base for a sell
    spend: Decimal  # what it needs available: a buy's value plus its fee, a sell's quantity
    value: Decimal  # price x quantity; for a market order what the book has of it, walked best price first
    fee: Decimal  # the most it pays in fees
    fee_bps: int
    quantity: Decimal  # what the order asks for
    fillable: Decimal  # what it can fill: a limit order all of it, a market order at most what the book has


def limit_estimate(rules: MarketRules, side: str, price: Decimal, quantity: Decimal) -> Estimate:
    """A limit order may rest (maker) or take (taker): it is checked, and shown, with the higher of the two fees."""
    bps = max(rules.maker_fee_bps, rules.taker_fee_bps)
    value = price * quantity
    most = fee(rules, value, bps)
    if side == Side.BUY:
        return Estimate(rules.quote, limit_buy_need(rules, price, quantity), value, most, bps, quantity, quantity)
    return Estimate(rules.base, quantity, value, most, bps, quantity, quantity)


def _levels(levels: tuple[tuple[int, int, int], ...]) -> list[tuple[int, int]]:
    return [(ticks, lots) for ticks, lots, _ in levels]


def market_estimate(rules: MarketRules, side: str, quantity: Decimal, book: BookSnapshot) -> Estimate:
    """A market order walks the other side of the book, best price first; what the book lacks would expire.

    A buy spends what the exchange holds for it (settlement.market_buy_cost): the value walked plus the taker fee.
    """
    levels = _levels(book.asks if side == Side.BUY else book.bids)
    taken = min(rules.lots(quantity), sum(lots for _, lots in levels))
    value = _walk_value(rules, levels, taken)
    paid = fee(rules, value, rules.taker_fee_bps)
    fillable = rules.quantity_of(taken)
    if side == Side.BUY:
        return Estimate(rules.quote, value + paid, value, paid, rules.taker_fee_bps, quantity, fillable)
    return Estimate(rules.base, quantity, value, paid, rules.taker_fee_bps, quantity, fillable)


def _walk_value(rules: MarketRules, levels: list[tuple[int, int]], lots: int) -> Decimal:
    """price x quantity of the first `lots` lots of the levels, best first."""
    value, left = ZERO, lots
    for ticks, total in levels:
        take = min(total, left)
        value += rules.price_of(ticks) * rules.quantity_of(take)
        left -= take
        if not left:
            break
    return value


def max_quantity(
    rules: MarketRules, side: str, order_type: str, price: Decimal | None, available: Decimal, book: BookSnapshot
) -> Decimal | None:
    """The most whole lots the available balance pays for (at most the market's maximum); None without a limit price.

    A sell needs its quantity of the base; a limit buy its value plus the higher fee; a market buy what walking the
    asks costs with the taker fee (so also no more than the asks have).
    """
    most = rules.lots(rules.max_quantity)
    if side == Side.SELL:
        return rules.quantity_of(min(most, int(available / rules.lot_size)))
    if order_type == OrderType.MARKET:
        return rules.quantity_of(affordable_market_buy(rules, _levels(book.asks), most, available))
    if price is None:
        return None
    low, high = 0, most  # the need grows with the lots: the largest affordable count, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if limit_buy_need(rules, price, rules.quantity_of(middle)) <= available:
            low = middle
        else:
            high = middle - 1
    return rules.quantity_of(low)
