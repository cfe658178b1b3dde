"""Under the order form's quantity: what is available, a Max button, and the cost and fee before placing."""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from nicegui import ui

from app.domain.rules import MarketRules
from app.errors import InvalidInput
from app.exchange.commands import BookSnapshot
from app.exchange.estimate import Estimate, limit_estimate, market_estimate
from components.wording import Rounding, held, money


def entered(text: str | None, check: Callable[[Decimal], int]) -> Decimal | None:
    """A price or quantity as typed, when it is one the market accepts; None while it is not (yet)."""
    try:
        value = Decimal((text or "").strip())
        check(value)
    except (InvalidOperation, InvalidInput):
        return None
    return value


def estimate_of(
    rules: MarketRules, side: str, order_type: str, price: str | None, quantity: str | None, book: BookSnapshot | None
) -> Estimate | None:
    """The estimate of the form as it stands, or None while the price or quantity is not a valid one."""
    amount = entered(quantity, rules.check_quantity)
    if amount is None:
        return None
    if order_type == "market":
        return None if book is None else market_estimate(rules, side, amount, book)
    limit = entered(price, rules.check_price)
    return None if limit is None else limit_estimate(rules, side, limit, amount)


def describe(rules: MarketRules, order_type: str, estimate: Estimate) -> str:
    """One line: a buy's cost with its fee, a sell's proceeds after it.

    A limit order may fill at better prices and as a maker (the lower fee): its cost is at most, its proceeds at
    least, what it says. A market order's sums are the book's now, which moves: "about".
    """
    places = rules.price_places  # the quote's: a sum in USD at the cent, however many decimals its fees carry

    def sum_text(amount: Decimal, rounding: Rounding) -> str:
        return f"{money(amount, places, rounding)} {rules.quote}"

    market = order_type == "market"
    if not estimate.fillable:
        return f"Nothing in the book to {'buy from' if estimate.asset == rules.quote else 'sell to'} now"
    fee = f"fee ≤ {sum_text(estimate.fee, 'up')} ({Decimal(estimate.fee_bps) / 100:f}%)"
    if estimate.asset == rules.quote:
        line = f"Cost {'≈' if market else 'at most'} {sum_text(estimate.spend, 'nearest' if market else 'up')}, {fee}"
    else:
        proceeds = estimate.value - estimate.fee
        line = f"Receive {'≈' if market else 'at least'} {sum_text(proceeds, 'nearest' if market else 'down')}, {fee}"
    if estimate.fillable < estimate.quantity:
        line += f"; the book has only {rules.quantity_text(estimate.fillable)} {rules.base}"
    return line


class EstimateView:
    """The line of what is available with the Max button, and the cost line; the form says what to show."""

    def __init__(self, rules: MarketRules, on_max: Callable[[], object]) -> None:
        self.rules = rules
        with ui.row().classes("w-full items-center no-wrap gap-1 order-funds"):
            self.available = ui.label().classes("grow text-caption text-grey-7 order-available")
            self.max_button = (
                ui.button("Max", on_click=on_max)
                .props("flat dense no-caps size=sm padding='0 6px'")
                .classes("max-quantity")
                .tooltip("The most the available balance pays for, in whole lots")
            )
        self.cost = ui.label().classes("text-caption order-cost")

    def show_available(self, asset: str, amount: Decimal | None) -> None:
        places = self.rules.quantity_places if asset == self.rules.base else self.rules.price_places
        shown = "–" if amount is None else held(amount, places)  # as the balances panel shows it
        self.available.set_text(f"Available {shown} {asset}")

    def show(self, order_type: str, estimate: Estimate | None, available: Decimal | None) -> None:
        """The cost line; red, with the shortfall, when the available balance does not cover it.

        A market buy is not refused for that: the exchange cuts it to the whole lots the balance pays for.
        """
        if estimate is None:
            self.cost.set_text("")
            return
        line = describe(self.rules, order_type, estimate)
        short = available is not None and estimate.spend > available and bool(estimate.fillable)
        cut = short and order_type == "market" and estimate.asset == self.rules.quote
        if short:
            assert available is not None
            places = self.rules.quantity_places if estimate.asset == self.rules.base else self.rules.price_places
            if cut:
                line += "; more than is available: it buys only what the balance pays for"
            else:
                short_by = money(estimate.spend - available, places, "up")  # enough to add
                line += f"; short by {short_by} {estimate.asset}"
        colour = "text-warning" if cut else "text-negative" if short else "text-grey-7"
        self.cost.classes(add=colour, remove="text-grey-7 text-negative text-warning")
        self.cost.set_text(line)
