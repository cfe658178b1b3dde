"""The trades tape: newest first, coloured by the taker's side."""

from nicegui import ui

from app.feed.market_data import MarketState
from components.fast_rows import say_when_empty, set_rows

ROWS = 20
COLUMNS = [
    {"name": "price", "label": "Price", "field": "price", "align": "right"},
    {"name": "quantity", "label": "Size", "field": "quantity", "align": "right"},
    {"name": "time", "label": "Time", "field": "time", "align": "right"},
]
ROW_TEMPLATE = r"""
<q-tr :props="props" :class="'tape-' + props.row.taker_side">
  <q-td key="price" :props="props" :class="props.row.taker_side === 'buy' ? 'text-positive' : 'text-negative'">
    {{ props.row.price }}
  </q-td>
  <q-td key="quantity" :props="props">{{ props.row.quantity }}</q-td>
  <q-td key="time" :props="props" class="text-grey-7">{{ props.row.time }}</q-td>
</q-tr>
"""


class TradesTape:
    def __init__(self) -> None:
        self.first_trade_id: int | None = None
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered"):
            ui.label("Recent trades").classes("text-subtitle1 text-weight-medium")
            self.table = (
                ui.table(columns=COLUMNS, rows=[], row_key="id")
                .props('dense flat separator="none"')
                .classes("w-full trades-tape")
            )
            self.table.add_slot("body", ROW_TEMPLATE)
            say_when_empty(self.table, "No trades yet")

    def show(self, state: MarketState) -> None:
        newest = state.trades[0].id if state.trades else None
        if newest == self.first_trade_id:
            return  # the book changed, the tape did not
        self.first_trade_id = newest
        set_rows(
            self.table,
            [
                {
                    "id": trade.id,
                    "price": trade.price,
                    "quantity": trade.quantity,
                    "taker_side": trade.taker_side,
                    "time": trade.created_at.strftime("%H:%M:%S"),
                }
                for trade in state.trades[:ROWS]
            ],
        )
