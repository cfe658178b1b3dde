"""The orderbook: asks over bids with the spread and mid between, price grouping, depth bars, flashing changes."""

from collections.abc import Callable
from decimal import Decimal

from nicegui import ui

from app.exchange.rules import MarketRules
from app.feed.book_view import BookLadder, BookRow, ladder
from app.feed.market_data import MarketState
from components.fast_rows import say_when_empty, set_rows

DEPTH = 12  # levels a side: NiceGUI re-sends a whole table on any change, so a page gets a bounded ladder
GROUPINGS = (1, 10, 100, 1000)  # multiples of the tick

COLUMNS = [
    {"name": "price", "label": "Price", "field": "price", "align": "right"},
    {"name": "size", "label": "Size", "field": "size", "align": "right"},
    {"name": "total", "label": "Total", "field": "total", "align": "right"},
]

# One row template for both sides: a depth bar behind the cells, a flash when the level changed, click to pick.
ROW_TEMPLATE = r"""
<q-tr :props="props" :key="props.row.key" class="ob-row cursor-pointer"
      :class="props.row.flash ? 'ob-flash' : ''" @click="() => $parent.$emit('pick', props.row.price)">
  <q-td key="price" :props="props" :class="props.row.side === 'ask' ? 'text-negative' : 'text-positive'">
    <div class="ob-bar" :class="'ob-bar-' + props.row.side" :style="{width: props.row.depth_percent + '%'}"></div>
    <span class="ob-cell">{{ props.row.price }}</span>
  </q-td>
  <q-td key="size" :props="props"><span class="ob-cell">{{ props.row.size }}</span></q-td>
  <q-td key="total" :props="props"><span class="ob-cell">{{ props.row.total }}</span></q-td>
</q-tr>
"""


class OrderbookView:
    """Owns the two ladder tables; re-renders only when the rows it shows change."""

    def __init__(self, rules: MarketRules, on_pick: Callable[[str], None] | None = None, depth: int = DEPTH) -> None:
        self.rules = rules
        self.depth = depth
        self.group_ticks = 1
        self.state: MarketState | None = None
        self._shown: dict[tuple[str, str], tuple[str, int]] = {}  # (side, price) -> (size, version): for flashes
        self._version = 0
        options = {g: rules.price_text(rules.tick_size * g) for g in GROUPINGS}
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered") as self.card:
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label("Order book").classes("text-subtitle1 text-weight-medium")
                self.grouping = (
                    ui.select(options, value=1, on_change=self._regroup)
                    .props("dense options-dense borderless")
                    .classes("w-24")
                    .tooltip("Price grouping")
                )
            self.asks = self._table("asks")
            with ui.row().classes("w-full items-center no-wrap gap-2 px-2 py-0 rounded book-middle") as self.middle:
                self.last_price = ui.label("–").classes("text-h6 text-weight-bold last-price")
                self.last_arrow = ui.icon("").classes("text-h6 last-arrow")
                ui.space()
                with ui.column().classes("gap-0 items-end text-caption"):
                    self.spread_label = ui.label("Spread –").classes("spread")
                    self.mid_label = ui.label("Mid –").classes("mid")
            self.bids = self._table("bids")
            # The market sequence this ladder shows: for tests and developers, not for traders.
            self.sequence_label = ui.label().classes("hidden ob-sequence")
        for table in (self.asks, self.bids):
            table.on("pick", lambda event: on_pick(str(event.args)) if on_pick else None)

    def _table(self, name: str) -> ui.table:
        table = (
            ui.table(columns=COLUMNS, rows=[], row_key="key")
            .props('dense flat separator="none"')
            .classes(f"w-full ob-table ob-{name}")
        )
        table.add_slot("body", ROW_TEMPLATE)
        return say_when_empty(table, f"No {name}")

    def _regroup(self) -> None:
        self.group_ticks = int(self.grouping.value or 1)
        self._shown.clear()
        if self.state is not None:
            self.show(self.state, flash=False)

    def show(self, state: MarketState, *, flash: bool = True) -> None:
        self.state = state
        self.sequence_label.set_text(str(state.sequence))
        key = ("ladder", self.group_ticks, self.depth)
        view: BookLadder | None = state.memo.get(key)
        if view is None:  # computed once per sequence and grouping, shared by every page showing it
            view = ladder(state.rules, state.book.bids, state.book.asks, depth=self.depth, group_ticks=self.group_ticks)
            state.memo[key] = view
        first = not self._shown
        self._set_rows(self.asks, view.asks, flash and not first)
        self._set_rows(self.bids, view.bids, flash and not first)
        self._show_last(state)
        quote = state.rules.quote
        if view.spread is None or view.mid is None:
            self.spread_label.set_text("Spread –")
            self.mid_label.set_text("Mid –")
        else:
            percent = view.spread * 100 / view.mid
            self.spread_label.set_text(f"Spread {state.rules.price_text(view.spread)} ({percent:.3f}%)")
            # At the tick's decimals like every other price (a mid between two ticks rounds half to even).
            self.mid_label.set_text(f"Mid {state.rules.price_text(view.mid)} {quote}")

    def _show_last(self, state: MarketState) -> None:
        """The last trade's price, large, with an arrow for how it moved from the trade before it."""
        trades = state.trades
        if not trades:
            self.last_price.set_text("–")
            return
        last = Decimal(trades[0].price)
        self.last_price.set_text(state.rules.price_text(last))
        # A trade at the same price keeps the arrow of the last move, as exchanges show a tick direction.
        earlier = next((Decimal(trade.price) for trade in trades[1:] if Decimal(trade.price) != last), None)
        direction = "" if earlier is None else "up" if last > earlier else "down"
        colour = {"up": "text-positive", "down": "text-negative", "": ""}[direction]
        self.last_price.classes(replace=f"text-h6 text-weight-bold last-price {colour}")
        self.last_arrow.set_name({"up": "arrow_upward", "down": "arrow_downward", "": ""}[direction])
        self.last_arrow.classes(replace=f"text-h6 last-arrow {colour}").props(f'data-direction="{direction}"')

    def _set_rows(self, table: ui.table, rows: tuple[BookRow, ...], flash: bool) -> None:
        new_rows = []
        if rows:  # forget the side's levels that are gone, so that the bookkeeping stays as small as the ladder
            side = rows[0].side
            shown = {(row.side, row.price) for row in rows}
            for key in [key for key in self._shown if key[0] == side and key not in shown]:
                del self._shown[key]
        for row in rows:
            previous = self._shown.get((row.side, row.price))
            changed = previous is None or previous[0] != row.size
            if changed:
                self._version += 1
            version = self._version if changed else previous[1]  # type: ignore[index]
            self._shown[(row.side, row.price)] = (row.size, version)
            # A new key re-creates the row in the browser, which replays the flash animation.
            new_rows.append(
                {
                    "side": row.side,
                    "price": row.price,
                    "size": row.size,
                    "total": row.total,
                    "depth_percent": row.depth_percent,
                    "key": f"{row.price}:{version}",
                    "flash": flash and changed,
                }
            )
        if new_rows != table.rows:
            set_rows(table, new_rows)
