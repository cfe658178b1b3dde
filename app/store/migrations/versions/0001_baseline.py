"""Baseline: the schema as SQLModel's create_all made it before migrations, and the default markets.

Revision ID: 0001
Revises:
Create Date: 2026-12-02

Written out by hand so that it stays what it is when the models change. A database created by the pre-Alembic code
(SQLModel's create_all) has exactly this schema: env.py stamps it at this revision instead of running it.
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models/types.py's ExactDecimal as DDL: NUMERIC(38,18) on PostgreSQL, exact text on SQLite (whose NUMERIC is a float).
MONEY = sa.String(48).with_variant(sa.Numeric(38, 18), "postgresql")
# SQLite only auto-increments an INTEGER primary key; PostgreSQL gets a BIGINT.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)

DEFAULT_MARKETS = (
    {
        "symbol": "BTC-USD",
        "base": "BTC",
        "quote": "USD",
        "tick_size": Decimal("0.01"),
        "lot_size": Decimal("0.0001"),
        "min_notional": Decimal("1"),
        "max_price": Decimal("1000000"),
        "max_quantity": Decimal("1000"),
        "sequence": 0,
    },
    {
        "symbol": "ETH-USD",
        "base": "ETH",
        "quote": "USD",
        "tick_size": Decimal("0.01"),
        "lot_size": Decimal("0.001"),
        "min_notional": Decimal("1"),
        "max_price": Decimal("1000000"),
        "max_quantity": Decimal("10000"),
        "sequence": 0,
    },
)
MONEY_COLUMNS = ("tick_size", "lot_size", "min_notional", "max_price", "max_quantity")


def upgrade() -> None:
    # Columns in the order create_all wrote them (a model's inherited fields first), so that the DDL is the same.
    op.create_table(
        "markets",
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("base", sa.String(16), nullable=False),
        sa.Column("quote", sa.String(16), nullable=False),
        sa.Column("tick_size", MONEY, nullable=False),
        sa.Column("lot_size", MONEY, nullable=False),
        sa.Column("min_notional", MONEY, nullable=False),
        sa.Column("max_price", MONEY, nullable=False),
        sa.Column("max_quantity", MONEY, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_markets_symbol", "markets", ["symbol"], unique=True)
    op.create_table(
        "traders",
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("api_key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_traders_username", "traders", ["username"], unique=True)
    op.create_index("ix_traders_api_key_hash", "traders", ["api_key_hash"], unique=True)
    op.create_table(
        "orders",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("trader_id", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=True),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(6), nullable=False),
        sa.Column("price", MONEY, nullable=True),
        sa.Column("quantity", MONEY, nullable=False),
        sa.Column("filled_quantity", MONEY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("time_in_force", sa.String(3), nullable=False),
        sa.Column("post_only", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trader_id", "client_order_id", name="uq_orders_trader_client_order_id"),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"]),
        sa.ForeignKeyConstraint(["trader_id"], ["traders.id"]),
    )
    op.create_index("ix_orders_market_status_sequence", "orders", ["market_id", "status", "sequence"])
    op.create_index("ix_orders_trader_id_id", "orders", ["trader_id", "id"])
    op.create_table(
        "trades",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("quantity", MONEY, nullable=False),
        sa.Column("taker_side", sa.String(4), nullable=False),
        sa.Column("taker_order_id", sa.BigInteger(), nullable=False),
        sa.Column("maker_order_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"]),
    )
    op.create_index("ix_trades_market_id_id", "trades", ["market_id", "id"])
    op.create_index("ix_trades_taker_order_id", "trades", ["taker_order_id"])
    op.create_index("ix_trades_maker_order_id", "trades", ["maker_order_id"])
    add_default_markets()


def add_default_markets() -> None:
    """BTC-USD and ETH-USD, each unless a market of that symbol exists."""
    bind = op.get_bind()
    existing: set[str] = set(bind.execute(sa.text("SELECT symbol FROM markets")).scalars())
    postgres = bind.dialect.name == "postgresql"
    rows = [
        # SQLite keeps money as text, written as models/types.py writes it: plain digits, no exponent.
        market if postgres else {**market, **{name: format(market[name], "f") for name in MONEY_COLUMNS}}
        for market in DEFAULT_MARKETS
        if market["symbol"] not in existing
    ]
    if rows:
        columns = ("symbol", "base", "quote", *MONEY_COLUMNS, "sequence")
        op.bulk_insert(sa.table("markets", *(sa.column(name) for name in columns)), rows)


def downgrade() -> None:
    for table in ("trades", "orders", "traders", "markets"):
        op.drop_table(table)
