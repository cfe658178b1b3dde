"""The change journal: one row per committed batch, so that other processes catch up without reloading the book.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

Keyed by (market_id, sequence): a process whose book is at sequence s reads the rows after s in key order. The
writer prunes each market's old rows, so the table stays bounded (ORDERBOOK_JOURNAL_KEEP).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "market_changes",
        sa.Column("market_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("traders", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"]),
        sa.PrimaryKeyConstraint("market_id", "sequence"),
    )


def downgrade() -> None:
    op.drop_table("market_changes")
