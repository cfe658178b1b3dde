"""The signed-in trader's balances of the market's two assets: available to trade, and held by resting orders."""

from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, Decimal

from nicegui import ui

from app.domain.rules import MarketRules
from app.exchange.service import Exchange
from components.fast_rows import say_when_empty, set_rows
from models import OrderPublic

COLUMNS = [
    {"name": "asset", "label": "Asset", "field": "asset", "align": "left"},
    {"name": "available", "label": "Available", "field": "available", "align": "right"},
    {"name": "held", "label": "In orders", "field": "held", "align": "right"},
]
# An amount cell shows the amount cut to the asset's places; hovering it shows the exact amount (row[field + "_exact"]).
EXACT_CELL = '<q-td :props="props" :title="props.row[props.col.field + \'_exact\']">{{ props.value }}</q-td>'
# "In orders" says under the amount which markets' orders hold it: the balances are the account's, across markets.
HELD_CELL = """
<q-td :props="props" :title="props.row.held_exact">
  {{ props.value }}
  <div v-if="props.row.held_where" class="held-where text-caption text-grey-7">{{ props.row.held_where }}</div>
</q-td>
"""
DEPOSIT_COMMAND = ".venv/bin/python main.py deposit {username} {asset} {amount}"
RESTING_READ = 500  # the API's largest page of orders


def amount_text(text: str, places: int) -> str:
    """An exact amount without the zeros past `places` decimals: 9989.979800 -> 9989.9798, 10000.000000 -> 10000.00.

    Quote amounts carry the notional's decimals (fees have them); most of the time the tick's decimals say it all.
    """
    whole, dot, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(places, "0")
    return f"{whole}.{fraction}" if dot and fraction else whole


def held_where(asset: str, resting: Sequence[OrderPublic], markets: dict[str, tuple[str, str]]) -> str:
    """Which markets' orders hold an asset: "in BTC-USD bids, ETH-USD bids" (a buy holds the quote, a sell the base)."""
    places = []
    for symbol, (base, quote) in markets.items():
        sides = {order.side for order in resting if order.symbol == symbol}
        if asset == quote and "buy" in sides:
            places.append(f"{symbol} bids")
        if asset == base and "sell" in sides:
            places.append(f"{symbol} asks")
    return f"in {', '.join(places)}" if places else ""


def credited(credits: Sequence[tuple[str, Decimal]]) -> str:
    """What each new trader is credited on registration (ORDERBOOK_STARTING_BALANCES): "10000 USD, 1 BTC"."""
    return ", ".join(f"{amount:f} {asset}" for asset, amount in credits)


def deposit_command(username: str, asset: str) -> str:
    return DEPOSIT_COMMAND.format(username=username, asset=asset, amount=1000)


def funding_hint(username: str, rules: MarketRules, credits: Sequence[tuple[str, Decimal]]) -> str:
    """How a trader with nothing to trade with gets funds: the starting credit, or the operator's deposit command."""
    command = deposit_command(username, rules.quote)
    if credits:
        return (
            f"Nothing to trade with in {rules.symbol}. This venue credits each new trader {credited(credits)} on "
            f"registration; for more, an operator runs: {command}"
        )
    return f"Nothing to trade with yet. Funds arrive by an operator's deposit: {command}"


def shown_amount(text: str, places: int) -> str:
    """An exact amount cut (never rounded up) to `places` decimals: 4601.381325 -> 4601.38, 9.999999 -> 9.99.

    Quote balances carry the fees' decimals (6 for USD): exact, but noise beside prices of 2; the API keeps them all.
    """
    return f"{Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):f}"


class BalancesPanel:
    """Owns one small table; re-read when the trader's orders change (a fill, a cancel) or money moves (a deposit)."""

    def __init__(
        self,
        exchange: Exchange,
        rules: MarketRules,
        trader_id: int,
        username: str = "USERNAME",
        credits: Sequence[tuple[str, Decimal]] = (),
    ) -> None:
        self.exchange = exchange
        self.rules = rules
        self.trader_id = trader_id
        self.username = username
        self.credits = credits  # what each new trader is credited on registration (ORDERBOOK_STARTING_BALANCES)
        self.markets = {symbol: (writer.rules.base, writer.rules.quote) for symbol, writer in exchange.writers.items()}
        self.amounts: dict[str, tuple[Decimal, Decimal]] = {}  # asset -> (available, held), as last read
        self.listeners: list[Callable[[], None]] = []  # told after every read (the order form's estimate)
        self.places = {rules.base: rules.quantity_places, rules.quote: rules.price_places}
        with ui.card().classes("w-full p-2 gap-1 balances-card").props("flat bordered"):
            with ui.row().classes("w-full items-baseline justify-between"):
                ui.label("Balances").classes("text-subtitle1 text-weight-medium")
                ui.label("all markets").classes("text-caption text-grey-7 balances-scope").tooltip(
                    "Your account's balances, shared by every market; your open orders below are this market's only"
                )
            self.table = (
                ui.table(columns=COLUMNS, rows=[], row_key="asset")
                .props('dense flat separator="none"')
                .classes("w-full balances")
            )
            say_when_empty(self.table, "No balances")
            self.table.add_slot("body-cell-available", EXACT_CELL)
            self.table.add_slot("body-cell-held", HELD_CELL)
            self.hint = ui.label().classes("text-caption funding-hint").style("overflow-wrap: anywhere")
            self.hint.set_visibility(False)

    def available(self, asset: str) -> Decimal | None:
        """What the trader can place orders with, as last read; None before the first read."""
        found = self.amounts.get(asset)
        return None if found is None else found[0]

    async def refresh(self) -> None:
        balances = {balance.asset: balance for balance in await self.exchange.reads.balances(self.trader_id)}
        shown = [balances[asset] for asset in (self.rules.base, self.rules.quote) if asset in balances]
        self.amounts = {balance.asset: (Decimal(balance.available), Decimal(balance.held)) for balance in shown}
        holding = any(held for _, held in self.amounts.values())
        resting = await self.exchange.reads.orders(trader_id=self.trader_id, limit=RESTING_READ) if holding else []
        rows = [
            {
                "asset": balance.asset,
                "available": shown_amount(balance.available, self.places[balance.asset]),
                "available_exact": balance.available,
                "held": shown_amount(balance.held, self.places[balance.asset]),
                "held_exact": balance.held,
                "held_where": held_where(balance.asset, resting, self.markets) if Decimal(balance.held) else "",
            }
            for balance in shown
        ]
        if rows != self.table.rows:
            set_rows(self.table, rows)
        empty = not any(available or held for available, held in self.amounts.values())
        if empty:
            self.hint.set_text(funding_hint(self.username, self.rules, self.credits))
        self.hint.set_visibility(empty)
        for listener in self.listeners:
            listener()
