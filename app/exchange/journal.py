"""A batch's book change as a journal entry: JSON with decimal amounts as strings, and back into engine units."""

import json
from dataclasses import dataclass
from decimal import Decimal

from app.domain.rules import MarketRules
from app.engine.changes import BookChange


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal row read back: the sequences before and after its batch, the change, whose orders changed."""

    after: int
    sequence: int
    change: BookChange
    traders: frozenset[int]
    traded: bool  # whether the batch made trades (else the tape and stats stay as they were)


def encode(change: BookChange, rules: MarketRules, *, after: int, trades: list[dict]) -> str:
    """The journal's `changes` text for a batch that moved the market from sequence `after`."""
    price, quantity = rules.price_of, rules.quantity_of
    return json.dumps(
        {
            "after": after,
            "rested": [
                [order_id, trader, side, str(price(ticks)), str(quantity(lots)), str(quantity(filled)), kind, tif, post]
                for order_id, trader, side, ticks, lots, filled, kind, tif, post in change["rested"]
            ],
            "amended": [
                [order_id, str(quantity(lots)), str(quantity(filled))] for order_id, lots, filled in change["amended"]
            ],
            "removed": change["removed"],
            "trades": [
                [
                    trade["id"],
                    str(trade["price"]),
                    str(trade["quantity"]),
                    trade["taker_side"],
                    trade["taker_order_id"],
                    trade["maker_order_id"],
                ]
                for trade in trades
            ],
        },
        separators=(",", ":"),
    )


def decode(sequence: int, changes: str, traders: str, rules: MarketRules) -> Entry:
    """A journal row back as engine units (ticks and lots)."""
    data = json.loads(changes)
    ticks, lots = rules.ticks, rules.lots
    change = BookChange(
        rested=[
            (order_id, trader, side, ticks(Decimal(price)), lots(Decimal(size)), lots(Decimal(filled)), kind, tif, post)
            for order_id, trader, side, price, size, filled, kind, tif, post in data["rested"]
        ],
        amended=[(order_id, lots(Decimal(size)), lots(Decimal(filled))) for order_id, size, filled in data["amended"]],
        removed=list(data["removed"]),
    )
    return Entry(int(data["after"]), sequence, change, frozenset(json.loads(traders)), bool(data["trades"]))


def contiguous(entries: list[Entry], mine: int, stored: int) -> bool:
    """Whether the entries lead without a gap from sequence `mine` to `stored` or past it (none pruned between)."""
    at = mine
    for entry in entries:
        if entry.after != at:
            return False
        at = entry.sequence
    return at >= stored and at > mine
