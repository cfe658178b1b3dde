"""Market stats: last price and the 24 h change, high, low and volume, as one element (components/market_stats.js)."""

from decimal import Decimal
from functools import lru_cache

from nicegui.element import Element

from app.domain.rules import MarketRules
from app.feed.market_data import MarketState
from components.nicegui_internals import set_plain

NO_DATA = "–"


class MarketStatsBar(Element, component="market_stats.js"):
    """`show(state)` with each new market state; the page is sent the stats only when one of them changed."""

    def __init__(self, rules: MarketRules) -> None:
        super().__init__()
        self.rules = rules
        self.titles = ("Last", "24h change", "24h high", "24h low", f"24h volume ({rules.base})")
        self._props["symbol"] = rules.symbol
        # Set plain (a list of dicts in props becomes observables per page); replaced whole, never changed in place.
        set_plain(self._props, "stats", [{"title": title, "value": NO_DATA, "tone": ""} for title in self.titles])
        self.classes("w-full m-stats")

    def value(self, title: str) -> str:
        """The text shown for one stat, e.g. "Last" or "24h high"."""
        return next(stat["value"] for stat in self._props["stats"] if stat["title"] == title)

    def _price(self, value: Decimal | None) -> str:
        return NO_DATA if value is None else self.rules.price_text(value)

    def show(self, state: MarketState) -> None:
        stats = state.stats
        change, percent = stats.change, stats.change_percent
        if change is None or percent is None:
            change_text = NO_DATA
        else:
            sign = "+" if change >= 0 else ""
            change_text = f"{sign}{self.rules.price_text(change)} ({sign}{percent:.2f}%)"
        tone = "text-positive" if change and change > 0 else "text-negative" if change and change < 0 else ""
        # No trades in 24 h: a dash, as the other stats show, not a volume of zero.
        volume = self.rules.quantity_text(stats.volume) if stats.volume else NO_DATA
        values = (self._price(stats.last), change_text, self._price(stats.high), self._price(stats.low), volume)
        shown = [
            {"title": title, "value": value, "tone": tone if title == "24h change" else ""}
            for title, value in zip(self.titles, values, strict=True)
        ]
        if shown != self._props["stats"]:
            set_plain(self._props, "stats", _shared(tuple(tuple(stat.items()) for stat in shown)))
            self.update()


@lru_cache(maxsize=64)
def _shared(stats: tuple[tuple[tuple[str, str], ...], ...]) -> list[dict[str, str]]:
    """The same stats as one list for every page that shows them (pages of a market see the same states)."""
    return [dict(stat) for stat in stats]
