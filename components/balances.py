"""The signed-in trader's balances of the market's two assets: available to trade, and held by resting orders."""

from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from nicegui import ui

from app.domain.rules import MarketRules
from app.exchange.service import Exchange
from components.fast_rows import say_when_empty, set_rows

COLUMNS = [
    {"name": "asset", "label": "Asset", "field": "asset", "align": "left"},
    {"name": "available", "label": "Available", "field": "available", "align": "right"},
    {"name": "held", "label": "In orders", "field": "held", "align": "right"},
]
# An amount cell shows the amount cut to the asset's places; hovering it shows the exact amount (row[field + "_exact"]).
EXACT_CELL = '<q-td :props="props" :title="props.row[props.col.field + \'_exact\']">{{ props.value }}</q-td>'


def amount_text(text: str, places: int) -> str:
    """An exact amount without the zeros past `places` decimals: 9989.979800 -> 9989.9798, 10000.000000 -> 10000.00.

    Quote amounts carry the notional's decimals (fees have them); most of the time the tick's decimals say it all.
    """
    whole, dot, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(places, "0")
    return f"{whole}.{fraction}" if dot and fraction else whole


def shown_amount(text: str, places: int) -> str:
    """An exact amount cut (never rounded up) to `places` decimals: 4601.381325 -> 4601.38, 9.999999 -> 9.99.

    Quote balances carry the fees' decimals (6 for USD): exact, but noise beside prices of 2; the API keeps them all.
    """
    return f"{Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):f}"


class BalancesPanel:
    """Owns one small table; re-read when the trader's orders change (a fill, a cancel) or money moves (a deposit)."""

    def __init__(self, exchange: Exchange, rules: MarketRules, trader_id: int) -> None:
        self.exchange = exchange
        self.rules = rules
        self.trader_id = trader_id
        self.amounts: dict[str, tuple[Decimal, Decimal]] = {}  # asset -> (available, held), as last read
        self.listeners: list[Callable[[], None]] = []  # told after every read (the order form's estimate)
        self.places = {rules.base: rules.quantity_places, rules.quote: rules.price_places}
        with ui.card().classes("w-full p-2 gap-1 balances-card").props("flat bordered"):
            ui.label("Balances").classes("text-subtitle1 text-weight-medium")
            self.table = (
                ui.table(columns=COLUMNS, rows=[], row_key="asset")
                .props('dense flat separator="none"')
                .classes("w-full balances")
            )
            say_when_empty(self.table, "No balances")
            for column in ("available", "held"):
                self.table.add_slot(f"body-cell-{column}", EXACT_CELL)

    def available(self, asset: str) -> Decimal | None:
        """What the trader can place orders with, as last read; None before the first read."""
        found = self.amounts.get(asset)
        return None if found is None else found[0]

    async def refresh(self) -> None:
        balances = {balance.asset: balance for balance in await self.exchange.reads.balances(self.trader_id)}
        shown = [balances[asset] for asset in (self.rules.base, self.rules.quote) if asset in balances]
        self.amounts = {balance.asset: (Decimal(balance.available), Decimal(balance.held)) for balance in shown}
        rows = [
            {
                "asset": balance.asset,
                "available": shown_amount(balance.available, self.places[balance.asset]),
                "available_exact": balance.available,
                "held": shown_amount(balance.held, self.places[balance.asset]),
                "held_exact": balance.held,
            }
            for balance in shown
        ]
        if rows != self.table.rows:
            set_rows(self.table, rows)
        for listener in self.listeners:
            listener()
