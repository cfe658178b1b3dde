"""The orderbook: asks over bids with the last price, spread and mid between, price grouping, depth bars, own levels."""

from collections.abc import Callable
from decimal import Decimal

from app.domain.rules import MarketRules
from app.feed.book_delta import Book, book_of
from app.feed.book_view import BookLadder, group_ticks_of, grouped_places, ladder
from app.feed.market_data import MarketState
from components.ladder import OrderBookLadder
from components.preferences import keep_price_grouping, price_grouping
from models import OrderPublic

DEPTH = 12  # levels a side
GROUPINGS = (1, 10, 100, 1000)  # multiples of the tick
COLUMNS = ("price", "size", "total")  # add "notional" for price x size in the quote currency


class OrderbookView:
    """The book's card, one element (components/ladder.js): its title, the Value toggle, the grouping, the ladder.

    `OrderbookView(rules, depth=12, columns=COLUMNS, on_pick=...)`: `on_pick(price text)` when a level is clicked
    (the page fills its order form); `.show(state)` with each market state, `.show_own_orders(orders)` with the
    trader's open orders, whose levels get a dot.
    """

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
        self.state: MarketState | None = None
        self._own_orders: list[tuple[str, Decimal]] = []  # (side, price) of the trader's resting orders
        self.ladder = OrderBookLadder(
            title="Order book",
            columns=columns,
            labels={"notional": f"Value ({rules.quote})"},
            size_places=rules.quantity_places,
            notional_places=rules.price_places,
            groupings=tuple((g, rules.price_text(rules.tick_size * g)) for g in GROUPINGS),
            quote=rules.quote,
            on_pick=on_pick,
            on_group=self._regroup,
        ).classes("ob-book")
        self.ladder.group = price_grouping(rules.symbol, GROUPINGS)  # as this browser last chose, on this market

    @property
    def group_ticks(self) -> int:
        """The price grouping shown, in ticks."""
        return self.ladder.group

    def _regroup(self, ticks: int) -> None:
        if ticks not in GROUPINGS:
            return  # only the choices the page offers: each is a book computed once per state and shared
        self.ladder.group = ticks
        keep_price_grouping(self.rules.symbol, ticks)
        if self.state is not None:
            self.show(self.state, whole=True)

    def show(self, state: MarketState, *, whole: bool = False) -> None:
        self.state = state
        key = ("ladder", self.group_ticks, self.depth)
        book: Book | None = state.memo.get(key)
        if book is None:  # computed once per sequence and grouping, shared by every page showing it
            view = ladder(state.rules, state.book.bids, state.book.asks, depth=self.depth, group_ticks=self.group_ticks)
            book = state.memo[key] = {**book_of(view, state.sequence), **_middle_texts(state, view)}
        self.ladder.show(book, whole=whole, memo=state.memo)
        self._show_mine()

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


def _middle_texts(state: MarketState, view: BookLadder) -> dict[str, str]:
    """The lines between the ladder's sides, sent with its book and its deltas (so no element of their own): the last
    trade's price with the direction of its arrow, the spread and the mid."""
    return {**_last_texts(state), **_spread_and_mid(state.rules, view)}


def _last_texts(state: MarketState) -> dict[str, str]:
    """The last trade's price and how it moved from the trade before it ("up", "down" or "")."""
    trades = state.trades
    if not trades:
        return {"last": "–", "direction": ""}
    last = Decimal(trades[0].price)
    # A trade at the same price keeps the arrow of the last move, as exchanges show a tick direction.
    earlier = next((Decimal(trade.price) for trade in trades[1:] if Decimal(trade.price) != last), None)
    direction = "" if earlier is None else "up" if last > earlier else "down"
    return {"last": state.rules.price_text(last), "direction": direction}


def _spread_and_mid(rules: MarketRules, view: BookLadder) -> dict[str, str]:
    if view.spread is None or view.mid is None:
        return {"spread": "Spread –", "mid": "Mid –"}
    percent = view.spread * 100 / view.mid
    # At the tick's decimals like every other price (a mid between two ticks rounds half to even).
    return {
        "spread": f"Spread {rules.price_text(view.spread)} ({percent:.3f}%)",
        "mid": f"Mid {rules.price_text(view.mid)} {rules.quote}",
    }
