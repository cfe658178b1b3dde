"""How money enters and leaves: ledger rows with their balance change, in one transaction (deposits, withdrawals)."""

import json
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import insert, select, text, update
from sqlmodel import Session

from app.store.journal import CHANNEL
from app.store.writes import BALANCES, MARKETS
from models import LedgerEntry
from models.clock import utcnow

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]


class Refused(Exception):
    """A movement of money that cannot be made (unknown asset, more than available): nothing was changed."""


def check_credits(credits: Sequence[tuple[str, Decimal]], places: dict[str, int]) -> None:
    """Refuse (SystemExit) starting balances of an asset no market trades, or finer than the asset is counted in."""
    for asset, amount in credits:
        if asset not in places:
            known = ", ".join(places)
            raise SystemExit(f"ORDERBOOK_STARTING_BALANCES: no market trades {asset}; the assets are {known}")
        if amount != amount.quantize(Decimal(1).scaleb(-places[asset])):
            raise SystemExit(
                f"ORDERBOOK_STARTING_BALANCES: {asset}={amount} has more decimals than {asset} is counted in "
                f"({places[asset]})"
            )


def market_assets(session: Session) -> list[str]:
    """Every asset of the markets, sorted."""
    rows = session.execute(select(MARKETS.c.base, MARKETS.c.quote))
    return sorted({asset for row in rows for asset in row})


def open_accounts(session: Session, trader_id: int, credits: Sequence[tuple[str, Decimal]] = ()) -> None:
    """A new trader's balance rows, one per asset (so no writer ever races to insert one), and its opening deposits."""
    amounts = dict(credits)
    rows = [
        {"trader_id": trader_id, "asset": asset, "available": amounts.get(asset, Decimal(0)), "held": Decimal(0)}
        for asset in sorted(set(market_assets(session)) | set(amounts))
    ]
    session.execute(insert(BALANCES), rows)
    now = utcnow()
    entries = [
        {"trader_id": trader_id, "asset": asset, "amount": amount, "kind": "deposit", "created_at": now}
        for asset, amount in credits
        if amount
    ]
    if entries:
        session.execute(insert(LEDGER), entries)


def balance_available(session: Session, *, trader_id: int, asset: str) -> Decimal:
    query = select(BALANCES.c.available).where(BALANCES.c.trader_id == trader_id, BALANCES.c.asset == asset)
    found = session.execute(query).scalar_one_or_none()
    return Decimal(0) if found is None else found


def move_money(
    session: Session, *, trader_id: int, asset: str, amount: Decimal, places: int = 0
) -> tuple[Decimal, Decimal]:
    """Deposit (amount > 0) or withdraw (amount < 0, at most what is available); the new (available, held)."""
    query = select(BALANCES.c.available, BALANCES.c.held).where(
        BALANCES.c.trader_id == trader_id, BALANCES.c.asset == asset
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # the market writers lock the same row while they trade
    row = session.execute(query).first()
    available, held = (row.available, row.held) if row is not None else (Decimal(0), Decimal(0))
    if available + amount < 0:
        shown = {name: f"{value:.{places}f}" for name, value in (("available", available), ("held", held))}
        raise Refused(
            f"cannot withdraw {-amount} {asset}: only {shown['available']} {asset} is available "
            f"({shown['held']} {asset} held by resting orders)"
        )
    kind = "deposit" if amount > 0 else "withdrawal"
    entry = {"trader_id": trader_id, "asset": asset, "amount": amount, "kind": kind, "created_at": utcnow()}
    entry_id: int = session.execute(insert(LEDGER).returning(LEDGER.c.id), entry).scalar_one()
    if row is None:
        session.execute(insert(BALANCES), [{"trader_id": trader_id, "asset": asset, "available": amount, "held": held}])
    else:
        session.execute(
            update(BALANCES)
            .where(BALANCES.c.trader_id == trader_id, BALANCES.c.asset == asset)
            .values(available=available + amount)
        )
    announce(session, entry_id, trader_id)
    return available + amount, held


def announce(session: Session, entry_id: int, trader_id: int) -> None:
    """PostgreSQL: on commit, tell every process's listener whose money moved (SQLite's listeners see the commit)."""
    if session.get_bind().dialect.name == "postgresql":
        payload = json.dumps({"ledger": entry_id, "traders": [trader_id]}, separators=(",", ":"))
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
