"""The signed-in trader's orders in this market: open ones with cancel and cancel all, and the recent closed ones."""

import asyncio
from collections.abc import Callable

from nicegui import ui

from app.errors import ServiceError
from app.exchange.service import Exchange
from components.amend_dialog import AmendDialog
from components.fast_rows import say_when_empty
from components.order_columns import (
    ACTIONS_COLUMN,
    CANCEL_CELL,
    COLUMNS,
    CSS,
    PRICE_CELL,
    PRICE_HEADER,
    SIDE_CELL,
    closed_columns,
    closed_row,
    order_row,
)
from components.shared_css import add_shared_css
from components.toasts import toast
from components.wording import counted, error_told
from models import OrderPublic

CLOSED_ROWS = 50  # the orders' part scrolls inside itself: a history, up to the full one (the API)
# The full history: the API's list of orders, in its documentation (Swagger UI opens the operation).
HISTORY_LINK = "/docs#/history/list_fills_api_fills_get"  # the fills; beside them the ledger and the CSV exports
# A cancelled row stays in place, greyed, until the pointer leaves the table (or this long at most), so that the
# next row's Cancel does not slide under a pointer that may be about to click again.
LINGER_SECONDS = 4.0


class MyOrders:
    """Owns two tables; reads the trader's orders only when the change feed says they changed."""

    def __init__(
        self,
        exchange: Exchange,
        symbol: str,
        trader_id: int,
        on_open_orders: Callable[[list[OrderPublic]], None] | None = None,
    ) -> None:
        self.exchange = exchange
        self.on_open_orders = on_open_orders  # e.g. the book marking the levels the trader rests at
        self.symbol = symbol
        self.trader_id = trader_id
        self.rules = exchange.writers[symbol].rules
        self._open_orders: dict[int, OrderPublic] = {}
        self._open_rows: list[dict] = []  # as the database has them, without the lingering ones
        self._lingering: dict[int, tuple[int, dict]] = {}  # order id -> (row index when cancelled, greyed row)
        add_shared_css(CSS)
        self.amend_dialog: AmendDialog | None = None  # made when first used: most pages never amend
        with ui.card().classes("w-full p-2 gap-1 my-orders-card").props("flat bordered") as self.card:
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("My open orders").classes("text-subtitle1 text-weight-medium")
                self.cancel_all_button = (
                    ui.button("Cancel all", on_click=self.confirm_cancel_all)
                    .props("flat dense no-caps color=negative")
                    .classes("cancel-all")
                )
            self.open_table = (
                ui.table(columns=[*COLUMNS, ACTIONS_COLUMN], rows=[], row_key="id")
                .props("dense flat")
                .props(""":table-row-class-fn="row => row.cancelled ? 'cancelled-row' : ''" """)
                .classes("w-full my-open-orders my-orders-table")
            )
            self.open_table.on("mouseleave", self._release_all)
            say_when_empty(self.open_table, "No open orders")
            self.open_table.add_slot("body-cell-cancel", CANCEL_CELL)
            self._add_cells(self.open_table)
            self.open_table.on("cancel", lambda event: self.cancel(int(event.args)))
            self.open_table.on("amend", lambda event: self.amend(int(event.args)))
            with ui.row().classes("w-full items-baseline justify-between q-mt-sm"):
                ui.label("Recently closed").classes("text-subtitle2 text-grey-8")
                ui.link("Full history (API)", HISTORY_LINK, new_tab=True).classes("text-caption order-history-link")
            self.closed_table = (
                ui.table(columns=closed_columns(self.rules.quote), rows=[], row_key="id")
                .props("dense flat")
                .classes("w-full my-closed-orders my-orders-table")
            )
            say_when_empty(self.closed_table, "No closed orders")
            self._add_cells(self.closed_table)
        with ui.dialog() as self.confirm_dialog, ui.card().classes("p-4 gap-3 cancel-all-dialog"):
            self.confirm_label = ui.label().classes("text-subtitle1")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep them", on_click=self.confirm_dialog.close).props("flat no-caps").classes("keep-orders")
                self.confirm_button = (
                    ui.button("Cancel all", on_click=self.cancel_all)
                    .props("unelevated no-caps color=negative")
                    .classes("confirm-cancel-all")
                )

    @staticmethod
    def _add_cells(table: ui.table) -> None:
        table.add_slot("body-cell-side", SIDE_CELL)
        table.add_slot("body-cell-price", PRICE_CELL)
        table.add_slot("header-cell-price", PRICE_HEADER)

    async def refresh(self) -> None:
        open_orders = await self.exchange.reads.orders(trader_id=self.trader_id, status="open", symbol=self.symbol)
        closed = await self.exchange.reads.orders(
            trader_id=self.trader_id, status="closed", symbol=self.symbol, limit=CLOSED_ROWS, newest="changed"
        )
        self._open_orders = {order.id: order for order in open_orders}
        self._open_rows = [order_row(order) for order in open_orders]
        if self.on_open_orders is not None:
            self.on_open_orders(open_orders)
        self._show_open()
        self._set(self.closed_table, [closed_row(order, self.rules.price_places) for order in closed])
        self.cancel_all_button.set_enabled(bool(open_orders))

    def _show_open(self) -> None:
        rows = [row for row in self._open_rows if row["id"] not in self._lingering]
        for index, row in sorted(self._lingering.values(), key=lambda lingering: lingering[0]):
            rows.insert(min(index, len(rows)), row)
        self._set(self.open_table, rows)

    def _release(self, order_id: int) -> None:
        if self._lingering.pop(order_id, None) is not None and not self.open_table.is_deleted:
            self._show_open()

    def _release_all(self) -> None:
        if self._lingering:
            self._lingering.clear()
            self._show_open()

    @staticmethod
    def _set(table: ui.table, rows: list[dict]) -> None:
        if rows != table.rows:
            table.rows = rows
            table.update()

    async def cancel(self, order_id: int) -> None:
        index = next((i for i, row in enumerate(self.open_table.rows) if row["id"] == order_id), None)
        try:
            order = await self.exchange.commands.cancel_order(trader_id=self.trader_id, order_id=order_id)
        except ServiceError as error:
            toast(error_told(error), "warning")
        else:
            toast(f"Order {order.id} cancelled", "positive")
            if index is not None:
                self._lingering[order.id] = (index, {**order_row(order), "cancelled": True})
                asyncio.get_running_loop().call_later(LINGER_SECONDS, self._release, order.id)
        await self.refresh()

    def amend(self, order_id: int) -> None:
        order = self._open_orders.get(order_id)
        if order is None:
            return
        if self.amend_dialog is None:
            with self.card:
                self.amend_dialog = AmendDialog(self.exchange, self.rules, self.trader_id, on_amended=self.refresh)
        self.amend_dialog.open(order)

    def confirm_cancel_all(self) -> None:
        count = len(self._open_rows)
        orders = "order" if count == 1 else "orders"
        self.confirm_label.set_text(f"Cancel your {count} open {orders} in {self.symbol}?")
        self.confirm_button.set_text(f"Cancel {count} {orders}")
        self.confirm_dialog.open()

    async def cancel_all(self) -> None:
        self.confirm_dialog.close()
        try:
            cancelled = await self.exchange.commands.cancel_all(trader_id=self.trader_id, symbol=self.symbol)
        except ServiceError as error:
            toast(error_told(error), "warning")
        else:
            toast(f"{counted(len(cancelled), 'order')} cancelled", "positive")
        self._lingering.clear()
        await self.refresh()
