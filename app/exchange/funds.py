"""The money rules of trading: fees, what an order holds, and the balances one batch reads, moves and writes back.

Every amount is an exact Decimal. A fee is rounded DOWN to the market's notional precision: the sum of the fees of
the parts of a fill is never more than the fee of the whole, so every hold taken up front covers what it later pays.
"""

from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal
from functools import lru_cache

from app.domain.rules import MarketRules, places_of
from app.errors import InvalidInput
from models.enums import Side

ZERO = Decimal(0)
BPS = Decimal(10000)


@lru_cache(maxsize=64)
def _notional_step(tick_size: Decimal, lot_size: Decimal) -> Decimal:
    """The smallest notional step, 10^-(decimals of tick x lot): worked out once per market, fees are hot."""
    return Decimal(1).scaleb(-(places_of(tick_size) + places_of(lot_size)))


def fee(rules: MarketRules, notional: Decimal, bps: int) -> Decimal:
    """notional x bps / 10000, rounded down to the decimals of tick_size x lot_size."""
    if not bps:
        return ZERO
    return (notional * bps / BPS).quantize(_notional_step(rules.tick_size, rules.lot_size), rounding=ROUND_DOWN)


def order_hold(rules: MarketRules, side: str, price: Decimal, remaining: Decimal) -> tuple[str, Decimal]:
    """What a resting order holds: a sell its remaining base; a buy its remaining value in quote plus its maker fee."""
    if side == Side.SELL:
        return rules.base, remaining
    notional = price * remaining
    return rules.quote, notional + fee(rules, notional, rules.maker_fee_bps)


def limit_buy_need(rules: MarketRules, price: Decimal, quantity: Decimal) -> Decimal:
    """What an incoming limit buy must have before it matches: its value plus the higher of the two fees."""
    notional = price * quantity
    return notional + fee(rules, notional, max(rules.maker_fee_bps, rules.taker_fee_bps))


class InsufficientFunds(InvalidInput):
    """An order the trader cannot pay for (422 naming the quantity): says the asset, the need and the shortfall.

    The amounts are at the asset's places as the page shows them (a quote at its price's places, 50.10 USD; a base at
    its lot's), rounded so that the sentence stays true: the need and the shortfall up, what is available down.
    """

    def __init__(self, rules: MarketRules, asset: str, needed: Decimal, available: Decimal) -> None:
        self.asset = asset
        self.needed = needed
        self.available = available
        step = Decimal(1).scaleb(-(rules.price_places if asset == rules.quote else rules.quantity_places))

        def shown(amount: Decimal, rounding: str) -> str:
            return f"{amount.quantize(step, rounding=rounding):f} {asset}"

        super().__init__(
            "quantity",
            f"insufficient funds: needs {shown(needed, ROUND_CEILING)}, available {shown(available, ROUND_FLOOR)}, "
            f"short by {shown(needed - available, ROUND_CEILING)}",
        )


Key = tuple[int, str]  # (trader id, asset)


class Balances:
    """The balance rows one batch works on: read under lock, moved in memory, written back in one statement.

    Rows are read in the batch's transaction, never kept across batches: other markets and processes change them.
    Traders the batch only learns of while matching (makers) get their moves recorded and their rows read at the end.
    """

    def __init__(self) -> None:
        self.rows: dict[Key, list[Decimal]] = {}  # read: [available, held]
        self.stored: set[Key] = set()  # of those, the ones that exist in the database
        self.pending: dict[Key, list[Decimal]] = {}  # moves of rows not read yet: [available, held]
        self.touched: set[Key] = set()

    def load(self, found: Iterable[tuple[int, str, Decimal, Decimal]], wanted: Iterable[Key]) -> None:
        """Rows read from the database (a missing one is a zero balance, inserted when written)."""
        for trader_id, asset, available, held in found:
            self.rows[(trader_id, asset)] = [available, held]
            self.stored.add((trader_id, asset))
        for key in wanted:
            if key not in self.rows:
                self.rows[key] = [ZERO, ZERO]
            move = self.pending.pop(key, None)
            if move is not None:
                self.rows[key][0] += move[0]
                self.rows[key][1] += move[1]

    def missing(self) -> list[Key]:
        return sorted(key for key in self.pending if key not in self.rows)

    def available(self, key: Key) -> Decimal:
        return self.rows[key][0]

    def move(self, key: Key, available: Decimal, held: Decimal) -> None:
        """Add to (or, negative, take from) a balance's available and held parts."""
        self.touched.add(key)
        row = self.rows.get(key)
        if row is None:
            row = self.pending.setdefault(key, [ZERO, ZERO])
        row[0] += available
        row[1] += held

    def hold(self, key: Key, amount: Decimal) -> None:
        self.move(key, -amount, amount)

    def release(self, key: Key, amount: Decimal) -> None:
        self.move(key, amount, -amount)

    def changed_rows(self) -> tuple[list[dict], list[dict]]:
        """(rows to update, rows to insert), once every pending move is applied; refuses a negative balance."""
        assert not self.pending, "balance moves without their rows read"
        updates: list[dict] = []
        inserts: list[dict] = []
        for key in sorted(self.touched):
            available, held = self.rows[key]
            if available < 0 or held < 0:
                raise AssertionError(f"balance {key} would go negative: available {available}, held {held}")
            row = {"b_trader_id": key[0], "b_asset": key[1], "b_available": available, "b_held": held}
            (updates if key in self.stored else inserts).append(row)
        return updates, inserts
