"""The market's rules for a trader: the price and quantity steps, the smallest order and the fees."""

from decimal import Decimal

from nicegui import ui

from app.domain.rules import MarketRules

COLUMNS = [
    {"name": "rule", "label": "Rule", "field": "rule", "align": "left"},
    {"name": "value", "label": "Value", "field": "value", "align": "right"},
]


def percent(basis_points: int) -> str:
    """Basis points as a percentage with two decimals: 10 -> 0.10%."""
    return f"{Decimal(basis_points) / 100:.2f}%"


def rule_rows(rules: MarketRules) -> list[dict]:
    return [
        {"rule": "Price step", "value": f"{rules.price_text(rules.tick_size)} {rules.quote}"},
        {"rule": "Quantity step", "value": f"{rules.quantity_text(rules.lot_size)} {rules.base}"},
        {"rule": "Smallest order", "value": f"{rules.price_text(rules.min_notional)} {rules.quote}"},
        {"rule": "Fees", "value": f"maker {percent(rules.maker_fee_bps)}, taker {percent(rules.taker_fee_bps)}"},
    ]


class MarketRulesCard:
    """Owns one card with a small table. A market's rules do not change while it trades: it subscribes to nothing."""

    def __init__(self, rules: MarketRules) -> None:
        with ui.card().classes("w-full p-2 gap-1 market-rules-card").props("flat bordered"):
            ui.label("Market rules").classes("text-subtitle1 text-weight-medium")
            ui.table(columns=COLUMNS, rows=rule_rows(rules), row_key="rule").props(
                'dense flat hide-header separator="none"'
            ).classes("w-full market-rules")
