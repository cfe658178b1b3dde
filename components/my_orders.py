"""The signed-in trader's orders in this market: open ones with cancel and cancel all, and the recent closed ones."""

from nicegui import ui

from app.errors import ServiceError
from app.exchange.service import Exchange
from components.fast_rows import say_when_empty
from models import OrderPublic

CLOSED_ROWS = 10
COLUMNS = [
    {"name": "id", "label": "Id", "field": "id", "align": "left"},
    {"name": "side", "label": "Side", "field": "side", "align": "left"},
    {"name": "type", "label": "Type", "field": "type", "align": "left"},
    {"name": "price", "label": "Price", "field": "price", "align": "right"},
    {"name": "quantity", "label": "Quantity", "field": "quantity", "align": "right"},
    {"name": "filled_quantity", "label": "Filled", "field": "filled_quantity", "align": "right"},
    {"name": "status", "label": "Status", "field": "status", "align": "left"},
]
CANCEL_CELL = r"""
<q-td :props="props">
  <q-btn flat dense no-caps color="negative" label="Cancel" class="cancel-order"
         @click="() => $parent.$emit('cancel', props.row.id)" />
</q-td>
"""
SIDE_CELL = r"""
<q-td :props="props" :class="props.value === 'buy' ? 'text-positive' : 'text-negative'">{{ props.value }}</q-td>
"""


def _row(order: OrderPublic) -> dict:
    return {
        "id": order.id,
        "side": order.side,
        "type": order.type,
        "price": order.price or "market",
        "quantity": order.quantity,
        "filled_quantity": order.filled_quantity,
        "status": order.status.replace("_", " "),
    }


class MyOrders:
    """Owns two tables; reads the trader's orders only when the change feed says they changed."""

    def __init__(self, exchange: Exchange, symbol: str, trader_id: int) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.trader_id = trader_id
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("My open orders").classes("text-subtitle1 text-weight-medium")
                self.cancel_all_button = (
                    ui.button("Cancel all", on_click=self.cancel_all)
                    .props("flat dense no-caps color=negative")
                    .classes("cancel-all")
                )
            self.open_table = (
                ui.table(columns=[*COLUMNS, {"name": "cancel", "label": "", "field": "id"}], rows=[], row_key="id")
                .props("dense flat")
                .classes("w-full my-open-orders")
            )
            say_when_empty(self.open_table, "No open orders")
            self.open_table.add_slot("body-cell-cancel", CANCEL_CELL)
            self.open_table.add_slot("body-cell-side", SIDE_CELL)
            self.open_table.on("cancel", lambda event: self.cancel(int(event.args)))
            ui.label("Recently closed").classes("text-subtitle2 text-grey-8 q-mt-sm")
            self.closed_table = (
                ui.table(columns=COLUMNS, rows=[], row_key="id").props("dense flat").classes("w-full my-closed-orders")
            )
            say_when_empty(self.closed_table, "No closed orders")
            self.closed_table.add_slot("body-cell-side", SIDE_CELL)

    async def refresh(self) -> None:
        open_orders = await self.exchange.orders(trader_id=self.trader_id, status="open", symbol=self.symbol)
        closed = await self.exchange.orders(
            trader_id=self.trader_id, status="closed", symbol=self.symbol, limit=CLOSED_ROWS
        )
        self._set(self.open_table, [_row(order) for order in open_orders])
        self._set(self.closed_table, [_row(order) for order in closed])
        self.cancel_all_button.set_enabled(bool(open_orders))

    @staticmethod
    def _set(table: ui.table, rows: list[dict]) -> None:
        if rows != table.rows:
            table.rows = rows
            table.update()

    async def cancel(self, order_id: int) -> None:
        try:
            order = await self.exchange.cancel_order(trader_id=self.trader_id, order_id=order_id)
        except ServiceError as error:
            ui.notify(error.message, type="warning", position="bottom-right")
        else:
            ui.notify(f"Order {order.id} cancelled", type="info", position="bottom-right")
        await self.refresh()

    async def cancel_all(self) -> None:
        try:
            cancelled = await self.exchange.cancel_all(trader_id=self.trader_id, symbol=self.symbol)
        except ServiceError as error:
            ui.notify(error.message, type="warning", position="bottom-right")
        else:
            ui.notify(f"{len(cancelled)} order(s) cancelled", type="info", position="bottom-right")
        await self.refresh()
