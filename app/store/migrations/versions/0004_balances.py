"""Balances, the ledger and fees: money that traders hold, and what each fill costs them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A database with resting orders upgrades to a consistent state: each trader with resting orders is credited an
"opening" ledger entry of exactly what those orders can still spend, and it is held. So after the upgrade, for every
asset, the balances plus the fees collected equal the ledger, and each held amount equals its resting orders' holds.
The hold rule is app/exchange/funds.py's, written out here so that this revision stays what it is.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.String(48).with_variant(sa.Numeric(38, 18), "postgresql")
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)
# The fees the default markets ship with, in basis points (maker, taker).
DEFAULT_FEES = {"BTC-USD": (10, 20), "ETH-USD": (10, 20)}


def _places(step: Decimal) -> int:
    return max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]


def upgrade() -> None:
    op.create_table(
        "balances",
        sa.Column("trader_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("asset", sa.String(16), nullable=False),
        sa.Column("available", MONEY, nullable=False),
        sa.Column("held", MONEY, nullable=False),
        sa.ForeignKeyConstraint(["trader_id"], ["traders.id"]),
        sa.PrimaryKeyConstraint("trader_id", "asset"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("trader_id", sa.Integer(), nullable=False),
        sa.Column("asset", sa.String(16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["trader_id"], ["traders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ledger_entries_trader_id", "ledger_entries", ["trader_id"])
    # Appended to the tables (ALTER TABLE ... ADD COLUMN): the models declare them last, with the same defaults.
    op.add_column("markets", sa.Column("maker_fee_bps", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("markets", sa.Column("taker_fee_bps", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("markets", sa.Column("fees_collected", MONEY, nullable=False, server_default="0"))
    op.add_column("trades", sa.Column("maker_fee", MONEY, nullable=False, server_default="0"))
    op.add_column("trades", sa.Column("taker_fee", MONEY, nullable=False, server_default="0"))
    bind = op.get_bind()
    for symbol, (maker, taker) in DEFAULT_FEES.items():
        bind.execute(
            sa.text("UPDATE markets SET maker_fee_bps = :maker, taker_fee_bps = :taker WHERE symbol = :symbol"),
            {"maker": maker, "taker": taker, "symbol": symbol},
        )
    open_balances(bind)


def open_balances(bind: sa.Connection) -> None:
    """A zero balance per trader and asset, and the opening credit (held) of what resting orders can still spend."""
    postgres = bind.dialect.name == "postgresql"

    def money(value: Decimal) -> object:
        return value if postgres else format(value, "f")  # SQLite keeps money as plain-digit text

    markets = {row.id: row for row in bind.execute(sa.text("SELECT * FROM markets"))}
    assets = sorted({asset for row in markets.values() for asset in (row.base, row.quote)})
    held: defaultdict[tuple[int, str], Decimal] = defaultdict(Decimal)
    resting = bind.execute(
        sa.text(
            "SELECT market_id, trader_id, side, price, quantity, filled_quantity FROM orders "
            "WHERE status IN ('open', 'partially_filled')"
        )
    )
    for order in resting:
        market = markets[order.market_id]
        remaining = Decimal(order.quantity) - Decimal(order.filled_quantity)
        if order.side == "sell":
            held[(order.trader_id, market.base)] += remaining
            continue
        notional = Decimal(order.price) * remaining
        step = Decimal(1).scaleb(-(_places(Decimal(market.tick_size)) + _places(Decimal(market.lot_size))))
        fee = (notional * market.maker_fee_bps / 10000).quantize(step, rounding=ROUND_DOWN)
        held[(order.trader_id, market.quote)] += notional + fee
    traders: list[int] = list(bind.execute(sa.text("SELECT id FROM traders")).scalars())
    zero = money(Decimal(0))
    rows = [
        {"trader_id": trader, "asset": asset, "available": zero, "held": money(held.get((trader, asset), Decimal(0)))}
        for trader in traders
        for asset in assets
    ]
    if rows:
        columns = ("trader_id", "asset", "available", "held")
        op.bulk_insert(sa.table("balances", *(sa.column(name) for name in columns)), rows)
    now = datetime.now(UTC)
    entries = [
        {"trader_id": trader, "asset": asset, "amount": money(amount), "kind": "opening", "created_at": now}
        for (trader, asset), amount in sorted(held.items())
        if amount > 0
    ]
    if entries:
        names = ("trader_id", "asset", "amount", "kind", "created_at")
        op.bulk_insert(sa.table("ledger_entries", *(sa.column(name) for name in names)), entries)


def downgrade() -> None:
    with op.batch_alter_table("trades") as trades:
        trades.drop_column("taker_fee")
        trades.drop_column("maker_fee")
    with op.batch_alter_table("markets") as markets:
        markets.drop_column("fees_collected")
        markets.drop_column("taker_fee_bps")
        markets.drop_column("maker_fee_bps")
    op.drop_index("ix_ledger_entries_trader_id", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_table("balances")
