"""A toast for each fill of the trader's resting orders, in any market, made by someone else (REST, another tab)."""

from decimal import Decimal

from nicegui import context

from app.exchange.service import Exchange
from components.toasts import toast
from components.wording import fill_told

MOST_TOASTS = 4  # one burst (a sweep through many of the trader's orders) says the rest in one more toast
RESTING_READ = 500  # the API's largest page of orders; more resting orders than this are watched in part


class FillNotices:
    """Remembers the fills of the orders it saw resting; tells each new one once, on every page of the trader.

    An order this page never saw resting (one the trader's order form just placed, which the form tells about) is
    only remembered. It is a funds part of the page (components/live.py): re-read whenever the trader's orders change
    in any market.
    """

    def __init__(self, exchange: Exchange, trader_id: int) -> None:
        self.exchange = exchange
        self.trader_id = trader_id
        self.seen: dict[int, set[int]] = {}  # resting order id -> the ids of its fills already told
        self.rules = {symbol: writer.rules for symbol, writer in exchange.writers.items()}
        self.client = context.client  # the page: a live render runs in a background task, outside the page's slots

    async def refresh(self) -> None:
        reads = self.exchange.reads
        resting = await reads.orders(trader_id=self.trader_id, status="open", limit=RESTING_READ)
        now = {order.id: order for order in resting}
        gone = [order_id for order_id in self.seen if order_id not in now]
        for order_id in gone:  # filled, cancelled or replaced since: its last fills are told from the stored order
            now[order_id] = await reads.order(trader_id=self.trader_id, order_id=order_id)
        news: list[str] = []
        for order_id, order in now.items():
            told = self.seen.get(order_id)
            if told is not None:
                news += [
                    fill_told(order, fill, self.rules[order.symbol])
                    for fill in order.trades
                    if fill.id not in told and Decimal(fill.quantity)
                ]
        self.seen = {order.id: {fill.id for fill in order.trades} for order in resting}
        if self.client.is_deleted:
            return
        with self.client:
            for message in news[:MOST_TOASTS]:
                toast(message, "info")
            if len(news) > MOST_TOASTS:
                toast(f"and {len(news) - MOST_TOASTS} more fills of your orders", "info")
