"""How the page writes numbers and tells the trader what happened: one rule per kind of number, and sentences.

- An amount the trader holds (a balance, what is available): cut, never rounded up, to the asset's places, as the
  balances panel shows it (`held`).
- A sum the order form works out: at the quote's places, rounded the way that keeps its word true: "at most" up,
  "at least" down, "≈" to the nearest, a shortfall up (`money`).
- Prices and quantities: at the market's tick and lot (the rules' `price_text` and `quantity_text`).
- In a sentence (a toast) the thousands are grouped, as a person writes them: 65,000.00 USD; tables and the form's
  lines, which the trader compares with each other, are not.
- Times: the server's clock, in UTC, and labelled so wherever a time shows.
- A refusal in a toast (one not shown beside its field) is a sentence, not the API's "field: reason" (`refusal`).
"""

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal

from app.domain.rules import MarketRules
from app.errors import InvalidInput, ServiceError
from models import FillPublic, OrderPublic

Rounding = Literal["up", "down", "nearest"]
ROUNDINGS = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_EVEN}


def held(amount: Decimal, places: int) -> str:
    """An amount of an asset the trader holds, cut to the asset's places: 9368.242874 USD -> 9368.24."""
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):f}"


def money(amount: Decimal, places: int, rounding: Rounding) -> str:
    """A worked-out sum at `places`, rounded the way that keeps the sentence true: "at most" up (969.60033 ->
    969.61), "at least" down (969.60), "≈" to the nearest (969.60), a shortfall up (what is enough to add)."""
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUNDINGS[rounding]):f}"


def grouped(text: str) -> str:
    """A decimal's text with its thousands grouped, for a sentence: 65000.00 -> 65,000.00 (its places unchanged)."""
    whole, dot, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}{dot}{fraction}"


def counted(count: int, thing: str) -> str:
    """3 orders, 1 order."""
    return f"{count} {thing}{'' if count == 1 else 's'}"


def order_told(order: OrderPublic, rules: MarketRules) -> str:
    """What the trader is told about an order just placed, as a sentence: "Bought 0.0050 BTC at 65,000.00 USD"."""
    base, quote = rules.base, rules.quote
    filled = Decimal(order.filled_quantity)
    order_text = f"{order.side.capitalize()} {grouped(order.quantity)} {base}"
    if order.price is not None:
        order_text += f" at {grouped(order.price)} {quote}"
    if order.status == "rejected":
        return f"{order_text} not placed: it is post-only and would have traded at once"
    if not filled:
        if order.status == "expired":
            return f"{order_text} expired: nothing matched at once ({order.time_in_force})"
        return f"{order_text} placed: it rests in the book"
    assert order.average_price is not None  # it has fills
    done = "Bought" if order.side == "buy" else "Sold"
    average = " on average" if len(order.trades) > 1 else ""
    sentence = f"{done} {grouped(order.filled_quantity)} {base} at {grouped(order.average_price)} {quote}{average}"
    rest = f"{grouped(rules.quantity_text(Decimal(order.quantity) - filled))} {base}"
    if order.status == "partially_filled":
        return f"{sentence}; the other {rest} rests in the book"
    if order.status == "expired":
        return f"{sentence}; the other {rest} expired ({order.time_in_force})"
    return sentence


# A field of a request as a sentence names it; a reason that starts with one of these verbs goes on from its name.
FIELD_NAMES = {
    "price": "The price",
    "quantity": "The quantity",
    "time_in_force": "The time in force",
    "post_only": "Post-only",
    "symbol": "The market",
    "side": "The side",
    "type": "The order type",
}
CONTINUES_THE_NAME = ("must ", "is ", "are ", "needs ", "would ", "cannot ", "can ")


def refusal(field: str | None, reason: str) -> str:
    """A refusal as a person writes it, for a toast: ("quantity", "must be greater than 0") -> "The quantity must be
    greater than 0"; ("quantity", "insufficient funds: ...") -> "Insufficient funds: ..."; "order 12 not found" ->
    "Order 12 not found"."""
    name = FIELD_NAMES.get(field or "")
    if name is not None and reason.startswith(CONTINUES_THE_NAME):
        return f"{name} {reason}"
    return reason[:1].upper() + reason[1:]


def error_told(error: ServiceError) -> str:
    """What a toast says of a refused request: a sentence (`refusal`), never the API's "field: reason"."""
    if isinstance(error, InvalidInput):
        return refusal(error.field, error.reason)
    return refusal(None, error.message)


def fill_told(order: OrderPublic, fill: FillPublic, rules: MarketRules) -> str:
    """A fill of a resting order, as a sentence: "Your sell order 12 filled 0.0100 BTC at 65,000.00 USD, 0.0200 BTC
    left" (or ", now filled in full")."""
    base, quote = rules.base, rules.quote
    head = f"Your {order.side} order {order.id} filled {grouped(fill.quantity)} {base} at {grouped(fill.price)} {quote}"
    if order.status == "filled":
        return f"{head}, now filled in full"
    if order.status in ("open", "partially_filled"):
        return f"{head}, {grouped(order.remaining_quantity)} {base} left"
    return head


def amend_told(before: OrderPublic, after: OrderPublic, rules: MarketRules) -> str:
    """An amend from the page, as a sentence: "Order 12 now buys 0.0300 BTC at 65,000.00 USD" when it kept its place,
    "Order 12 replaced by order 13, buying 0.0300 BTC at 64,900.00 USD" when a new price cancelled and replaced it."""
    verb = {"buy": ("buys", "buying"), "sell": ("sells", "selling")}[after.side]
    terms = f"{grouped(after.remaining_quantity)} {rules.base} at {grouped(after.price or '')} {rules.quote}"
    if after.id == before.id:
        return f"Order {before.id} now {verb[0]} {terms}"
    return f"Order {before.id} replaced by order {after.id}, {verb[1]} {terms}"
