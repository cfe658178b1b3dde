"""Market stats: last price and the 24 h change, high, low and volume."""

from decimal import Decimal

from nicegui import ui

from app.exchange.rules import MarketRules
from app.feed.market_data import MarketState


class MarketStatsBar:
    def __init__(self, rules: MarketRules) -> None:
        self.rules = rules
        with ui.row().classes("w-full items-end gap-8 px-2 market-stats"):
            ui.label(rules.symbol).classes("text-h6 text-weight-bold")
            self.last = self._stat("Last")
            self.change = self._stat("24h change")
            self.high = self._stat("24h high")
            self.low = self._stat("24h low")
            self.volume = self._stat(f"24h volume ({rules.base})")

    def _stat(self, title: str) -> ui.label:
        with ui.column().classes("gap-0"):
            ui.label(title).classes("text-caption text-grey-7")
            return ui.label("–").classes("text-body1 text-weight-medium").props(f'data-stat="{title}"')

    def _price(self, value: Decimal | None) -> str:
        return "–" if value is None else self.rules.price_text(value)

    def show(self, state: MarketState) -> None:
        stats = state.stats
        self.last.set_text(self._price(stats.last))
        self.high.set_text(self._price(stats.high))
        self.low.set_text(self._price(stats.low))
        # No trades in 24 h: a dash, as the other stats show, not a volume of zero.
        self.volume.set_text(self.rules.quantity_text(stats.volume) if stats.volume else "–")
        change, percent = stats.change, stats.change_percent
        if change is None or percent is None:
            self.change.set_text("–")
        else:
            sign = "+" if change >= 0 else ""
            self.change.set_text(f"{sign}{self.rules.price_text(change)} ({sign}{percent:.2f}%)")
        self.change.classes(
            replace="text-body1 text-weight-medium "
            + ("text-positive" if change and change > 0 else "text-negative" if change and change < 0 else "")
        )
