"""The money invariants, read straight from a database: what every test of balances checks after trading."""

import contextlib
import io
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import create_engine, text

from app.accounts import deposit
from app.domain.rules import MarketRules
from app.exchange.funds import order_hold
from models import Market


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def check_invariants(url: str) -> dict[tuple[int, str], tuple[Decimal, Decimal]]:
    """Assert: per asset, balances + fees collected == the ledger; nothing negative; held == the resting orders' holds.

    Returns the balances, {(trader id, asset): (available, held)}.
    """
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            markets = {}
            for row in connection.execute(text("SELECT * FROM markets")).mappings():
                fields = {name: row[name] for name in Market.model_fields if name in row}
                for name in ("tick_size", "lot_size", "min_notional", "max_price", "max_quantity", "fees_collected"):
                    fields[name] = _decimal(fields[name])
                markets[row["id"]] = (MarketRules.of(Market(**fields)), _decimal(row["fees_collected"]))
            balances = {
                (row.trader_id, row.asset): (_decimal(row.available), _decimal(row.held))
                for row in connection.execute(text("SELECT trader_id, asset, available, held FROM balances"))
            }
            ledger: defaultdict[str, Decimal] = defaultdict(Decimal)
            for row in connection.execute(text("SELECT asset, amount FROM ledger_entries")):
                ledger[row.asset] += _decimal(row.amount)
            holds: defaultdict[tuple[int, str], Decimal] = defaultdict(Decimal)
            resting = text(
                "SELECT market_id, trader_id, side, price, quantity, filled_quantity FROM orders "
                "WHERE status IN ('open', 'partially_filled')"
            )
            for row in connection.execute(resting):
                rules = markets[row.market_id][0]
                remaining = _decimal(row.quantity) - _decimal(row.filled_quantity)
                asset, amount = order_hold(rules, row.side, _decimal(row.price), remaining)
                holds[(row.trader_id, asset)] += amount
    finally:
        engine.dispose()
    totals: defaultdict[str, Decimal] = defaultdict(Decimal)
    for (_, asset), (available, held) in balances.items():
        assert available >= 0 and held >= 0, balances
        totals[asset] += available + held
    for rules, fees in markets.values():
        totals[rules.quote] += fees
    assert {asset: total for asset, total in totals.items() if total} == {
        asset: total for asset, total in ledger.items() if total
    }
    held = {key: held for key, (_, held) in balances.items() if held}
    assert held == {key: amount for key, amount in holds.items() if amount}
    return balances


def credit(url: str, username: str, asset: str, amount: str) -> None:
    """Credit a trader with the code of `python main.py deposit` (app/accounts/deposit.py), run in this process: for
    tests that need a funded trader, not the command (tests of the command run it as a process of its own)."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        done = deposit.run([username, asset, amount, "--database-url", url])
    assert done == 0, said.getvalue()
