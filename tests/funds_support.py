"""The balances' invariants, checked on the database as read directly, past the app (issue 10).

Every test that moves money ends with `funds_problems(read_funds(url))`: an empty list, or what is wrong, named.
The rules are recomputed here from the contract, not imported from app/exchange/funds.py, so that a wrong rule in the
app cannot agree with itself:
- per asset, sum(available + held) + the fees collected by the markets quoted in it == sum of the ledger;
- no balance is negative;
- each trader's held amount of an asset == what their resting orders can still spend;
- each trader's total of an asset == their ledger entries + what their fills bought, sold and paid;
- each market's fees collected == the fees of its trades, and each trade's fees follow the fee rule.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

ZERO = Decimal(0)


@dataclass(frozen=True)
class FeeMarket:
    """A market's row: what the fee rule and the holds need."""

    id: int
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    maker_fee_bps: int
    taker_fee_bps: int
    fees_collected: Decimal

    def fee(self, notional: Decimal, bps: int) -> Decimal:
        """notional x bps / 10000, rounded down to the decimals of tick x lot (the contract's rule)."""
        places = max(0, -(self.tick_size * self.lot_size).normalize().as_tuple().exponent)  # type: ignore[operator]
        return (notional * bps / 10000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)

    def hold(self, side: str, price: Decimal, remaining: Decimal) -> tuple[str, Decimal]:
        """What a resting order can still spend: its base for a sell, price x remaining + the maker fee for a buy."""
        if side == "sell":
            return self.base, remaining
        notional = price * remaining
        return self.quote, notional + self.fee(notional, self.maker_fee_bps)


@dataclass(frozen=True)
class FundsTrade:
    id: int
    market_id: int
    price: Decimal
    quantity: Decimal
    taker_side: str
    taker_order_id: int
    maker_order_id: int
    taker_trader: int
    maker_trader: int
    maker_fee: Decimal
    taker_fee: Decimal


@dataclass(frozen=True)
class RestingOrder:
    id: int
    market_id: int
    trader_id: int
    side: str
    price: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class Funds:
    """Balances, ledger, markets, resting orders and trades, read in one transaction."""

    balances: dict[tuple[int, str], tuple[Decimal, Decimal]]  # (trader, asset) -> (available, held)
    ledger: dict[tuple[int, str], Decimal]  # (trader, asset) -> sum of the entries
    ledger_kinds: set[str]
    markets: dict[int, FeeMarket]
    resting: list[RestingOrder]
    trades: list[FundsTrade]

    @property
    def assets(self) -> set[str]:
        return {asset for market in self.markets.values() for asset in (market.base, market.quote)}

    def balance(self, trader_id: int, asset: str) -> tuple[Decimal, Decimal]:
        return self.balances.get((trader_id, asset), (ZERO, ZERO))

    def expected_held(self) -> dict[tuple[int, str], Decimal]:
        held: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for order in self.resting:
            asset, amount = self.markets[order.market_id].hold(order.side, order.price, order.remaining)
            held[order.trader_id, asset] += amount
        return held

    def expected_totals(self) -> dict[tuple[int, str], Decimal]:
        """Each trader's available + held as the ledger and the trades say it must be."""
        totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal, self.ledger)
        for trade in self.trades:
            market = self.markets[trade.market_id]
            notional = trade.price * trade.quantity
            buyer, seller = (trade.taker_trader, trade.maker_trader)[:: 1 if trade.taker_side == "buy" else -1]
            buyer_fee, seller_fee = (trade.taker_fee, trade.maker_fee)[:: 1 if trade.taker_side == "buy" else -1]
            totals[buyer, market.base] += trade.quantity
            totals[buyer, market.quote] -= notional + buyer_fee
            totals[seller, market.base] -= trade.quantity
            totals[seller, market.quote] += notional - seller_fee
        return totals


def _decimal(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def read_funds(database: str | Engine) -> Funds:
    """Read everything the invariants need straight from the database (a URL, or an engine to reuse), exact."""
    engine = create_engine(database, poolclass=NullPool) if isinstance(database, str) else database
    try:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":  # one snapshot for every query below
                connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            rows = connection.execute(text("SELECT trader_id, asset, available, held FROM balances"))
            balances = {(r.trader_id, r.asset): (_decimal(r.available), _decimal(r.held)) for r in rows}
            ledger: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
            kinds = set()
            for r in connection.execute(text("SELECT trader_id, asset, amount, kind FROM ledger_entries")):
                ledger[r.trader_id, r.asset] += _decimal(r.amount)
                kinds.add(r.kind)
            markets = {
                r.id: FeeMarket(
                    r.id,
                    r.symbol,
                    r.base,
                    r.quote,
                    _decimal(r.tick_size),
                    _decimal(r.lot_size),
                    int(r.maker_fee_bps),
                    int(r.taker_fee_bps),
                    _decimal(r.fees_collected),
                )
                for r in connection.execute(text("SELECT * FROM markets"))
            }
            resting = [
                RestingOrder(
                    r.id,
                    r.market_id,
                    r.trader_id,
                    r.side,
                    _decimal(r.price),
                    _decimal(r.quantity) - _decimal(r.filled_quantity),  # in Decimal: SQLite keeps money as text
                )
                for r in connection.execute(
                    text(
                        "SELECT id, market_id, trader_id, side, price, quantity, filled_quantity FROM orders"
                        " WHERE status IN ('open', 'partially_filled')"
                    )
                )
            ]
            trades = [
                FundsTrade(
                    r.id,
                    r.market_id,
                    _decimal(r.price),
                    _decimal(r.quantity),
                    r.taker_side,
                    r.taker_order_id,
                    r.maker_order_id,
                    r.taker_trader,
                    r.maker_trader,
                    _decimal(r.maker_fee),
                    _decimal(r.taker_fee),
                )
                for r in connection.execute(
                    text(
                        "SELECT t.id, t.market_id, t.price, t.quantity, t.taker_side, t.taker_order_id,"
                        " t.maker_order_id, t.maker_fee, t.taker_fee,"
                        " taker.trader_id AS taker_trader, maker.trader_id AS maker_trader FROM trades t"
                        " JOIN orders taker ON taker.id = t.taker_order_id"
                        " JOIN orders maker ON maker.id = t.maker_order_id ORDER BY t.id"
                    )
                )
            ]
    finally:
        if isinstance(database, str):
            engine.dispose()
    return Funds(balances, dict(ledger), kinds, markets, resting, trades)


def funds_problems(funds: Funds) -> list[str]:
    """Every broken invariant, named with its numbers; [] when the books balance."""
    problems: list[str] = []
    for asset in sorted(funds.assets):
        in_balances = sum((a + h for (_, each), (a, h) in funds.balances.items() if each == asset), ZERO)
        fees = sum((m.fees_collected for m in funds.markets.values() if m.quote == asset), ZERO)
        ledger = sum((amount for (_, each), amount in funds.ledger.items() if each == asset), ZERO)
        if in_balances + fees != ledger:
            problems.append(f"{asset}: balances {in_balances} + fees {fees} != ledger {ledger}")
    for (trader, asset), (available, held) in sorted(funds.balances.items()):
        if available < 0 or held < 0:
            problems.append(f"trader {trader} {asset}: negative balance available {available} held {held}")
    expected_held = funds.expected_held()
    for key in sorted(set(expected_held) | {k for k, (_, h) in funds.balances.items() if h}):
        held = funds.balance(*key)[1]
        if held != expected_held.get(key, ZERO):
            problems.append(f"trader {key[0]} {key[1]}: held {held} != resting orders' {expected_held.get(key, ZERO)}")
    expected_totals = funds.expected_totals()
    for key in sorted(set(expected_totals) | set(funds.balances)):
        total = sum(funds.balance(*key))
        if total != expected_totals.get(key, ZERO):
            problems.append(
                f"trader {key[0]} {key[1]}: available + held {total} != ledger and fills {expected_totals.get(key)}"
            )
    for market in funds.markets.values():
        trades = [t for t in funds.trades if t.market_id == market.id]
        collected = sum((t.maker_fee + t.taker_fee for t in trades), ZERO)
        if collected != market.fees_collected:
            problems.append(f"{market.symbol}: fees_collected {market.fees_collected} != its trades' fees {collected}")
        for t in trades:
            notional = t.price * t.quantity
            rule = (market.fee(notional, market.maker_fee_bps), market.fee(notional, market.taker_fee_bps))
            if (t.maker_fee, t.taker_fee) != rule:
                problems.append(f"{market.symbol} trade {t.id}: fees {(t.maker_fee, t.taker_fee)} != the rule's {rule}")
    return problems


def api_balances(body: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal]]:
    """A `GET /api/balances` answer as asset -> (available, held)."""
    return {row["asset"]: (Decimal(row["available"]), Decimal(row["held"])) for row in body}


def stored_balances(funds: Funds, trader_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    """What `GET /api/balances` must answer for a trader: one row per asset of the markets, zero when none stored."""
    return {asset: funds.balance(trader_id, asset) for asset in sorted(funds.assets)}
