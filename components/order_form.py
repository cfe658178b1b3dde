"""The order form: buy or sell, limit or market, price, quantity, time in force, post-only; errors beside the field."""

from collections.abc import Awaitable, Callable
from decimal import Decimal

from nicegui import ui
from nicegui.events import KeyEventArguments
from pydantic import ValidationError

from app.domain.rules import MarketRules
from app.errors import InvalidInput, ServiceError
from app.exchange.commands import BookSnapshot
from app.exchange.estimate import max_quantity
from app.exchange.service import Exchange
from app.feed.market_data import MarketState
from components.balances import BalancesPanel
from components.order_estimate import EstimateView, entered, estimate_of
from components.shared_css import add_shared_css
from components.toasts import Kind, toast
from components.wording import error_told, held, order_told, refusal
from models import OrderCreate, OrderPublic

LIMIT_TIME_IN_FORCE = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK"}
MARKET_TIME_IN_FORCE = {"IOC": "IOC", "FOK": "FOK"}  # a market order never rests
# A field's message flows in the layout and pushes the next field down, instead of Quasar's absolute line under it.
CSS = """
.order-form .q-field--with-bottom { padding-bottom: 0; }
.order-form .q-field__bottom--animated { position: static; transform: none; }
"""


def outcome(order: OrderPublic, rules: MarketRules) -> tuple[str, Kind]:
    """What the trader is told about an order just placed (a sentence, components/wording.py), and how it looks."""
    told = order_told(order, rules)
    if order.status == "rejected":
        return told, "negative"
    if order.status == "expired":
        return told, "info" if Decimal(order.filled_quantity) else "warning"
    return told, "positive"


class OrderForm:
    """Places orders through the same service as the REST route."""

    def __init__(
        self,
        exchange: Exchange,
        rules: MarketRules,
        trader_id: int,
        on_placed: Callable[[OrderPublic], Awaitable[None]] | None = None,
        funds: BalancesPanel | None = None,
    ) -> None:
        self.exchange = exchange
        self.rules = rules
        self.trader_id = trader_id
        self.on_placed = on_placed
        self.funds = funds
        self.book: BookSnapshot | None = None  # the newest book the page showed, for a market order's estimate
        add_shared_css(CSS)
        with ui.card().classes("w-full p-3 gap-2 order-form").props("flat bordered"):
            ui.label("Place order").classes("text-subtitle1 text-weight-medium")
            self.side = (
                ui.toggle({"buy": "Buy", "sell": "Sell"}, value="buy", on_change=self._restyle)
                .props("spread no-caps unelevated")
                .classes("w-full order-side")
            )
            self.type = (
                ui.toggle({"limit": "Limit", "market": "Market"}, value="limit", on_change=self._restyle)
                .props("spread no-caps dense flat")
                .classes("w-full order-type")
            )
            self.price = (
                ui.input(f"Price ({rules.quote})", placeholder=rules.price_text(rules.tick_size))
                .props('dense outlined inputmode="decimal" data-field="price"')
                .classes("w-full")
            )
            self.quantity = (
                ui.input(f"Quantity ({rules.base})", placeholder=rules.quantity_text(rules.lot_size))
                .props('dense outlined inputmode="decimal" data-field="quantity"')
                .classes("w-full")
            )
            self.estimate = EstimateView(rules, on_max=self.fill_max)
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                self.time_in_force = (
                    ui.select(LIMIT_TIME_IN_FORCE, value="GTC", label="Time in force")
                    .props('dense outlined data-field="time_in_force"')
                    .classes("grow")
                )
                self.post_only = ui.checkbox("Post-only").props('dense data-field="post_only"')
            self.post_only_error = ui.label().classes("text-negative text-caption post-only-error")
            self.post_only_error.set_visibility(False)
            self.submit = (
                ui.button("Buy", on_click=self.place).props("unelevated no-caps").classes("w-full place-order")
            )
        self.fields = {"price": self.price, "quantity": self.quantity, "time_in_force": self.time_in_force}
        for element in (self.price, self.quantity):
            element.on_value_change(self.update_estimate)
            element.on("keydown.enter", self.place)  # Enter places the order, as it signs in on /login
            element.on("keydown.esc", self.clear)  # Esc clears the form from inside a field, too
        # B, S and Esc anywhere but in a text field (where B and S are typed, and Esc is handled above).
        ui.keyboard(on_key=self._on_key, ignore=["input", "select", "textarea"])
        if funds is not None:
            funds.listeners.append(self.update_estimate)
        self._restyle()

    def _on_key(self, event: KeyEventArguments) -> None:
        if not event.action.keydown or event.modifiers.ctrl or event.modifiers.alt or event.modifiers.meta:
            return
        if event.key.escape:
            self.clear()
        elif event.key.name.lower() in ("b", "s"):
            self.side.value = "buy" if event.key.name.lower() == "b" else "sell"

    def clear(self) -> None:
        """Empty the price and quantity and forget the errors; the side and the order type stay."""
        self.price.value = ""
        self.quantity.value = ""
        self.post_only.value = False
        self.clear_errors()
        self.update_estimate()

    def set_price(self, price: str) -> None:
        """Fill the price (e.g. from a click on the book) and switch to a limit order."""
        self.type.value = "limit"
        self.price.value = price
        self.price.error = None

    def _restyle(self) -> None:
        buy = self.side.value == "buy"
        self.submit.set_text(f"{'Buy' if buy else 'Sell'} {self.rules.base}")
        self.submit.props(f"color={'positive' if buy else 'negative'}")
        self.side.props(f"toggle-color={'positive' if buy else 'negative'}")
        market = self.type.value == "market"
        # A market order has no price, never rests (IOC or FOK) and always takes: offer only what it can be.
        self.price.set_visibility(not market)
        self.post_only.set_visibility(not market)
        options = MARKET_TIME_IN_FORCE if market else LIMIT_TIME_IN_FORCE
        if self.time_in_force.options != options:
            self.time_in_force.set_options(options, value="IOC" if market else "GTC")
        if market:
            self.price.value = ""
            self.price.error = None
            self.post_only.value = False
        self.update_estimate()

    def show_book(self, state: MarketState) -> None:
        """A live part: a market order's estimate walks the newest book."""
        self.book = state.book
        if self.type.value == "market":
            self.update_estimate()

    def _spends(self) -> tuple[str, Decimal | None]:
        """The asset this order spends and how much of it is available (None when unknown)."""
        asset = self.rules.quote if self.side.value == "buy" else self.rules.base
        return asset, None if self.funds is None else self.funds.available(asset)

    def update_estimate(self) -> None:
        asset, available = self._spends()
        self.estimate.show_available(asset, available)
        estimate = estimate_of(
            self.rules, self.side.value, self.type.value, self.price.value, self.quantity.value, self.book
        )
        self.estimate.show(self.type.value, estimate, available)

    def fill_max(self) -> None:
        """Fill the quantity with the most whole lots the available balance pays for, fee included."""
        asset, available = self._spends()
        if available is None:
            return
        price = None if self.type.value == "market" else entered(self.price.value, self.rules.check_price)
        book = self.book or BookSnapshot(-1, (), ())
        most = max_quantity(self.rules, self.side.value, self.type.value, price, available, book)
        if most is None:
            self.price.error = "enter a price first: the most you can buy depends on it"
        elif not most and self.type.value == "market" and self.side.value == "buy" and not book.asks:
            self.quantity.error = "no asks in the book to buy from now"
        elif not most:
            shown = held(available, self._places(asset))
            self.quantity.error = f"not enough for one lot: available {shown} {asset}"
        else:
            self.quantity.error = None
            self.quantity.value = self.rules.quantity_text(most)

    def _places(self, asset: str) -> int:
        return self.rules.quantity_places if asset == self.rules.base else self.rules.price_places

    def clear_errors(self) -> None:
        for element in self.fields.values():
            element.error = None
        self.post_only_error.set_visibility(False)

    def show_error(self, field: str, message: str) -> None:
        """Put the message beside its field; messages about the whole order become a notification."""
        element = self.fields.get(field)
        if element is not None:
            element.error = message
        elif field == "post_only":
            self.post_only_error.set_text(message)
            self.post_only_error.set_visibility(True)
        else:
            toast(refusal(field, message), "negative")

    def order_in(self) -> OrderCreate | None:
        """The form as an order request, or None after showing what is wrong."""
        market = self.type.value == "market"
        price_text = (self.price.value or "").strip()
        try:
            return OrderCreate(
                symbol=self.rules.symbol,
                side=self.side.value,
                type=self.type.value,
                price=None if market or not price_text else price_text,  # type: ignore[arg-type]
                quantity=(self.quantity.value or "").strip() or None,  # type: ignore[arg-type]
                time_in_force=self.time_in_force.value,
                post_only=bool(self.post_only.value),
            )
        except ValidationError as error:
            for problem in error.errors():
                field = str(problem["loc"][0]) if problem["loc"] else "order"
                message = "is required" if problem["type"] in {"missing", "decimal_type"} else problem["msg"]
                self.show_error(field, message)
            return None

    async def place(self) -> None:
        self.clear_errors()
        order_in = self.order_in()
        if order_in is None:
            return
        try:
            order, _ = await self.exchange.commands.place_order(trader_id=self.trader_id, order_in=order_in)
        except InvalidInput as error:
            self.show_error(error.field, error.reason)
            return
        except ServiceError as error:
            toast(error_told(error), "negative")
            return
        toast(*outcome(order, self.rules))
        if self.on_placed is not None:
            await self.on_placed(order)
