"""The orderbook: asks over bids with the spread and mid between, price grouping, depth bars, own levels."""

from collections.abc import Callable
from decimal import Decimal

from nicegui import ui

from app.exchange.rules import MarketRules
from app.feed.book_delta import Book, book_of
from app.feed.book_view import BookLadder, group_ticks_of, grouped_places, ladder
from app.feed.market_data import MarketState
from components.ladder import OrderBookLadder, ladder_css
from models import OrderPublic

DEPTH = 12  # levels a side
GROUPINGS = (1, 10, 100, 1000)  # multiples of the tick
COLUMNS = ("price", "size", "total")  # add "notional" for price x size in the quote currency


class OrderbookView:
    """The book's card: grouping, the ladder (one element, sent deltas), and between its sides the last price."""

    def __init__(
        self,
        rules: MarketRules,
        on_pick: Callable[[str], None] | None = None,
        depth: int = DEPTH,
        columns: tuple[str, ...] = COLUMNS,
    ) -> None:
        self.rules = rules
        self.depth = depth
        self.columns = columns
        self.group_ticks = 1
        self.state: MarketState | None = None
        self._direction: str | None = None  # of the last price's arrow, as shown
        self._own_orders: list[tuple[str, Decimal]] = []  # (side, price) of the trader's resting orders
        options = {g: rules.price_text(rules.tick_size * g) for g in GROUPINGS}
        ladder_css()
        with ui.card().classes("w-full p-2 gap-1").props("flat bordered") as self.card:
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label("Order book").classes("text-subtitle1 text-weight-medium")
                ui.space()
                self.notional_toggle = (
                    ui.button(f"Σ {rules.quote}", on_click=self._toggle_notional)
                    .props("flat dense no-caps size=sm")
                    .classes("ob-notional-toggle")
                )
                self.grouping = (
                    ui.select(options, value=1, on_change=self._regroup)
                    .props("dense options-dense borderless")
                    .classes("w-24")
                    .tooltip("Price grouping")
                )
            self.ladder = OrderBookLadder(
                columns=columns,
                labels={"notional": f"Sum ({rules.quote})"},
                size_places=rules.quantity_places,
                notional_places=rules.price_places,
                on_pick=on_pick,
            ).classes("ob-book")
            # In the ladder's slot, which it shows between its sides, left of the spread and the mid.
            with self.ladder, ui.row().classes("items-center no-wrap gap-2") as self.middle:
                self.last_price = ui.label("–").classes("text-h6 text-weight-bold last-price")
                self.last_arrow = ui.icon("").classes("text-h6 last-arrow")

    def _toggle_notional(self) -> None:
        """Show or hide the quote-notional (price x size) column: a new set of columns, so the whole ladder once."""
        names = [name for name in self.columns if name != "notional"]
        self.columns = tuple(names if "notional" in self.columns else [*names, "notional"])
        self.ladder.set_columns(self.columns)

    def _regroup(self) -> None:
        self.group_ticks = int(self.grouping.value or 1)
        if self.state is not None:
            self.show(self.state, whole=True)

    def show(self, state: MarketState, *, whole: bool = False) -> None:
        self.state = state
        key = ("ladder", self.group_ticks, self.depth)
        book: Book | None = state.memo.get(key)
        if book is None:  # computed once per sequence and grouping, shared by every page showing it
            view = ladder(state.rules, state.book.bids, state.book.asks, depth=self.depth, group_ticks=self.group_ticks)
            book = state.memo[key] = {**book_of(view, state.sequence), **_middle_texts(state.rules, view)}
        self.ladder.show(book, whole=whole, memo=state.memo)
        self._show_mine()
        self._show_last(state)

    def show_own_orders(self, orders: list[OrderPublic]) -> None:
        """The trader's open orders, as the page's own orders table read them: their levels are marked."""
        self._own_orders = [(order.side, Decimal(order.price)) for order in orders if order.price is not None]
        self._show_mine()

    def _show_mine(self) -> None:
        places = grouped_places(self.rules, self.group_ticks)
        marks: dict[str, set[str]] = {"asks": set(), "bids": set()}
        for side, price in self._own_orders:
            bids = side == "buy"
            ticks = group_ticks_of(self.rules.ticks(price), self.group_ticks, bids=bids)
            marks["bids" if bids else "asks"].add(f"{self.rules.price_of(ticks):.{places}f}")
        self.ladder.show_mine(sorted(marks["asks"]), sorted(marks["bids"]))

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
        if direction == self._direction:
            return  # unchanged classes and props would still re-send both elements
        self._direction = direction
        colour = {"up": "text-positive", "down": "text-negative", "": ""}[direction]
        self.last_price.classes(replace=f"text-h6 text-weight-bold last-price {colour}")
        self.last_arrow.set_name({"up": "arrow_upward", "down": "arrow_downward", "": ""}[direction])
        self.last_arrow.classes(replace=f"text-h6 last-arrow {colour}").props(f'data-direction="{direction}"')


def _middle_texts(rules: MarketRules, view: BookLadder) -> dict[str, str]:
    """The spread and the mid, shown between the ladder's sides (sent with its deltas, so no label of their own)."""
    if view.spread is None or view.mid is None:
        return {"spread": "Spread –", "mid": "Mid –"}
    percent = view.spread * 100 / view.mid
    # At the tick's decimals like every other price (a mid between two ticks rounds half to even).
    return {
        "spread": f"Spread {rules.price_text(view.spread)} ({percent:.3f}%)",
        "mid": f"Mid {rules.price_text(view.mid)} {rules.quote}",
    }
