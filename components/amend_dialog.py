"""Amend a resting order from its row: a new price (cancel-replace) and/or a smaller size (keeps its priority)."""

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation

from nicegui import ui

from app.domain.rules import MarketRules
from app.errors import InvalidInput, ServiceError
from app.exchange.service import Exchange
from components.toasts import toast
from components.wording import amend_told, error_told
from models import OrderAmend, OrderPublic

SIZE = "width: 22rem; max-width: 100%"  # a phone's screen at most


def amend_request(order: OrderPublic, price_text: str, quantity_text: str) -> OrderAmend | tuple[str, str]:
    """What to ask the exchange for, or (field, why not).

    The quantity field is the order's total, as its row shows it: alone it reduces the order in place (the API's
    `quantity`); with a new price the new order is for the total less what already filled.
    """
    values: dict[str, Decimal] = {}
    for field, text in (("price", price_text), ("quantity", quantity_text)):
        try:
            values[field] = Decimal(text.strip())
        except InvalidOperation:
            return field, "is required" if not text.strip() else "must be a number"
        if not values[field].is_finite():
            return field, "must be a number"
    new_price = order.price is None or values["price"] != Decimal(order.price)
    new_quantity = values["quantity"] != Decimal(order.quantity)
    if not new_price and not new_quantity:
        return "price", "change the price or the quantity"
    if not new_price:
        return OrderAmend(quantity=values["quantity"])
    if not new_quantity:
        return OrderAmend(price=values["price"])
    filled = Decimal(order.filled_quantity)
    if values["quantity"] <= filled:
        return "quantity", f"must be more than the {order.filled_quantity} already filled"
    return OrderAmend(price=values["price"], quantity=values["quantity"] - filled)


class AmendDialog:
    """One dialog per page, opened for one order at a time; errors show beside the field, as the order form's do."""

    def __init__(
        self, exchange: Exchange, rules: MarketRules, trader_id: int, on_amended: Callable[[], Awaitable[None]]
    ) -> None:
        self.exchange = exchange
        self.rules = rules
        self.trader_id = trader_id
        self.on_amended = on_amended
        self.order: OrderPublic | None = None
        with ui.dialog() as self.dialog, ui.card().classes("p-4 gap-2 amend-dialog").style(SIZE):
            self.title = ui.label().classes("text-subtitle1 text-weight-medium")
            self.price = (
                ui.input(f"Price ({rules.quote})")
                .props('dense outlined inputmode="decimal" data-field="amend_price"')
                .classes("w-full")
            )
            self.quantity = (
                ui.input(f"Quantity ({rules.base})")
                .props('dense outlined inputmode="decimal" data-field="amend_quantity"')
                .classes("w-full")
            )
            self.note = ui.label().classes("text-caption text-grey-7")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep it", on_click=self.dialog.close).props("flat no-caps").classes("keep-order")
                ui.button("Amend", on_click=self.amend).props("unelevated no-caps").classes("confirm-amend")
        self.fields = {"price": self.price, "quantity": self.quantity}
        for element in self.fields.values():
            element.on("keydown.enter", self.amend)

    def open(self, order: OrderPublic) -> None:
        self.order = order
        self.title.set_text(f"Amend {order.side} order {order.id}")
        self.price.value = order.price or ""
        self.quantity.value = order.quantity
        for element in self.fields.values():
            element.error = None
        filled = f"{order.filled_quantity} already filled. " if Decimal(order.filled_quantity) else ""
        self.note.set_text(
            f"{filled}A smaller quantity keeps the order's place in the queue; "
            "a new price replaces it with a new order at the back of that price's queue."
        )
        self.dialog.open()

    async def amend(self) -> None:
        order = self.order
        if order is None:
            return
        for element in self.fields.values():
            element.error = None
        request = amend_request(order, self.price.value or "", self.quantity.value or "")
        if isinstance(request, tuple):
            self.fields[request[0]].error = request[1]
            return
        try:
            amended = await self.exchange.commands.amend_order(
                trader_id=self.trader_id, order_id=order.id, amend=request
            )
        except InvalidInput as error:
            self.fields.get(error.field, self.quantity).error = error.reason
            return
        except ServiceError as error:
            toast(error_told(error), "warning")
            self.dialog.close()
            await self.on_amended()
            return
        self.dialog.close()
        toast(amend_told(order, amended, self.rules), "positive")
        await self.on_amended()
