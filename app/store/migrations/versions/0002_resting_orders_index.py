"""A partial index of the resting orders, for the writer's book reload.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

The reload (app/store/writes.py resting_orders) asks for one market's orders with status open or partially_filled, in
(sequence, id) order. The baseline's (market_id, status, sequence) index also holds every closed order, which is
nearly all of them after a while; this one holds only the resting orders, already in the order the reload reads them.
The query must spell the statuses as literals (not bound parameters) for either database to pick a partial index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESTING = sa.text("status IN ('open', 'partially_filled')")


def upgrade() -> None:
    op.create_index(
        "ix_orders_resting_market_sequence",
        "orders",
        ["market_id", "sequence", "id"],
        postgresql_where=RESTING,
        sqlite_where=RESTING,
    )


def downgrade() -> None:
    op.drop_index("ix_orders_resting_market_sequence", table_name="orders")
