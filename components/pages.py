"""The market pages: thin handlers that compose components around one LiveMarket."""

from contextlib import AbstractContextManager, nullcontext

from nicegui import ui

from app import services
from components import auth_pages  # noqa: F401  (registers /login, /register, /logout)
from components.balances import BalancesPanel
from components.candles_chart import CandlesChart
from components.depth_chart import DepthChart
from components.fill_notices import FillNotices
from components.layout import frame, signed_in
from components.live import LiveMarket
from components.market_rules import MarketRulesCard
from components.market_stats import MarketStatsBar
from components.market_tabs import MarketTabs, as_section, section, sticky_form
from components.my_orders import MyOrders
from components.order_form import OrderForm
from components.orderbook import OrderbookView
from components.trades_tape import TradesTape


def stacked(css_class: str, stack: bool) -> AbstractContextManager[object]:
    """A column for two sections that stack in one grid column; one section is the grid's item itself (no wrapper)."""
    return ui.column().classes(f"gap-2 {css_class}") if stack else nullcontext()


@ui.page("/", response_timeout=15)
async def index() -> None:
    exchange = (await services.started()).exchange
    await market_page(next(iter(exchange.writers)))


# Under load the first render may wait for the shared market state: more than NiceGUI's default 3 s is fine.
@ui.page("/market/{symbol}", response_timeout=15)
async def market_page(symbol: str) -> None:
    running = await services.started()
    exchange = running.exchange
    symbols = list(exchange.writers)
    if symbol not in exchange.writers:
        with frame("Unknown market", symbols):
            ui.label(f"There is no market {symbol}.").classes("text-h6")
            for known in symbols:
                ui.link(known, f"/market/{known}")
        return
    rules = exchange.writers[symbol].rules
    trader = signed_in()
    with frame(symbol, symbols, symbol):
        live = LiveMarket(running.feed, symbol, trader.trader_id if trader else None)
        live.add(MarketStatsBar(rules).show)
        form: OrderForm | None = None
        balances: BalancesPanel | None = None
        # Book and balances | charts and the trader's orders | form and the tape: all of it on one 1440x900 screen.
        # A phone shows one section at a time under its tabs, with the form stuck to the bottom (market_tabs.py).
        # A visitor's sign-in cards (in place of the orders and the form) are the tabs' own.
        with MarketTabs(sign_in_cards=trader is None):
            with stacked("market-book", trader is not None):
                book = OrderbookView(rules, on_pick=lambda price: form.set_price(price) if form else None)
                as_section(book.ladder, "book")
                live.add(book.show)
                if trader is not None:
                    with section("orders"):  # on a phone the balances show under Orders, above the open orders
                        balances = BalancesPanel(
                            exchange, rules, trader.trader_id, trader.username, running.settings.starting_balances
                        )
                        live.add_funds_part(balances.refresh)
                        live.add_funds_part(FillNotices(exchange, trader.trader_id).refresh)
            with stacked("market-charts", trader is not None):
                with section("chart"):
                    live.add(CandlesChart(exchange, rules).show)
                    live.add(DepthChart(rules).show)
                if trader is not None:
                    with section("orders"):
                        mine = MyOrders(exchange, symbol, trader.trader_id, on_open_orders=book.show_own_orders)
                        live.add_trader_part(mine.refresh)
            # The form over the tape, both the grid's own items.
            if trader is not None:
                with sticky_form():
                    form = OrderForm(
                        exchange,
                        rules,
                        trader.trader_id,
                        on_placed=lambda _: live.refresh_trader_parts(),
                        funds=balances,
                    )
                    live.add(form.show_book)
                    MarketRulesCard(rules)  # under the form; on a phone, once "More" opens the form
            tape = TradesTape()
            as_section(tape.table, "trades").classes("market-tape")
            live.add(tape.show)
        await live.start()
