"""`python main.py deposit USERNAME ASSET AMOUNT`: the operator's way to credit (or, negative, debit) a trader.

There is no public route that mints money: this runs against the same database as the app (DATABASE_URL, or
--database-url), records a ledger row and the balance change in one transaction, and prints the new balance.
"""

import argparse
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.funding import Refused, move_money
from app.domain.rules import MarketRules, asset_places
from app.settings import load_settings
from app.store.db import connect, create_schema
from models import Market, Trader

BAD_INPUT = 2
MAX_AMOUNT = Decimal(10) ** 15


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py deposit", description="Credit a trader (a negative amount withdraws, at most what is available)."
    )
    parser.add_argument("username")
    parser.add_argument("asset", help="an asset of the markets, e.g. USD or BTC")
    parser.add_argument("amount", help="e.g. 1000 or -250.5")
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    return parser


def run(argv: Sequence[str]) -> int:
    """The command's exit code: 0 done, 2 refused (unknown user or asset, bad amount, more than available)."""
    arguments = _parser().parse_args(argv)
    flags = ["--database-url", arguments.database_url] if arguments.database_url else []
    settings = load_settings(flags)
    database = connect(settings.database_url)
    try:
        create_schema(database)
        with database.write() as session:
            markets = [MarketRules.of(market) for market in session.exec(select(Market)).scalars()]  # type: ignore[call-overload]
            places = asset_places(markets)
            asset = arguments.asset.upper()
            if asset not in places:
                return _refuse(f"unknown asset {arguments.asset!r}; assets: {', '.join(places)}")
            amount = _amount(arguments.amount, places[asset])
            if isinstance(amount, str):
                return _refuse(amount)
            trader = session.exec(select(Trader).where(Trader.username == arguments.username)).scalars().first()  # type: ignore[call-overload]
            if trader is None:
                return _refuse(f"unknown user {arguments.username!r}")
            try:
                available, held = move_money(
                    session, trader_id=trader.id, asset=asset, amount=amount, places=places[asset]
                )
            except Refused as refused:
                return _refuse(str(refused))
        decimals = places[asset]
        print(f"{arguments.username} {asset}: available {available:.{decimals}f}, held {held:.{decimals}f}")
        return 0
    except SQLAlchemyError as error:
        print(f"deposit failed, nothing changed: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        database.dispose()


def _amount(text: str, places: int) -> Decimal | str:
    """The amount, or why it is refused."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"amount {text!r} is not a number"
    if not amount.is_finite() or amount == 0:
        return f"amount {text!r} must be a finite number other than 0"
    if abs(amount) > MAX_AMOUNT:
        return f"amount {text!r} is larger than {MAX_AMOUNT}"
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        return f"amount {text!r} has more than {places} decimals"
    return amount


def _refuse(reason: str) -> int:
    print(f"deposit refused, nothing changed: {reason}", file=sys.stderr)
    return BAD_INPUT
