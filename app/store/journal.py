"""The change journal's SQL: record a batch's row (and its PostgreSQL NOTIFY), read the rows after a sequence."""

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, text
from sqlmodel import Session

from models import MarketChange

CHANGES = MarketChange.__table__  # type: ignore[attr-defined]
CHANNEL = "orderbook_changes"
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: past this, the market and sequence alone.
MAX_NOTIFY_BYTES = 7999
# Prune when a batch moves the sequence past a multiple of this: one cheap DELETE now and then, not every batch.
PRUNE_EVERY = 256


def record(
    session: Session,
    *,
    market_id: int,
    symbol: str,
    sequence: int,
    after: int,
    changes: str,
    traders: Iterable[int],
    now: datetime,
    keep: int,
) -> None:
    """Write a batch's journal row in its transaction; prune the market's old rows now and then; tell the others."""
    trader_ids = sorted(traders)
    session.execute(
        insert(CHANGES),
        {
            "market_id": market_id,
            "sequence": sequence,
            "changes": changes,
            "traders": json.dumps(trader_ids),
            "created_at": now,
        },
    )
    every = min(PRUNE_EVERY, keep)  # a short journal is pruned more often, so that it stays short
    if sequence // every != after // every:
        session.execute(delete(CHANGES).where(CHANGES.c.market_id == market_id, CHANGES.c.sequence <= sequence - keep))
    if session.get_bind().dialect.name == "postgresql":
        # Sent on commit, and only if the batch commits: the other instances learn of it at once.
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": notice(symbol, sequence, trader_ids)},
        )


def notice(symbol: str, sequence: int, traders: list[int]) -> str:
    """The NOTIFY payload: market, sequence and traders, or without the traders when that would be too long."""
    payload = json.dumps({"market": symbol, "sequence": sequence, "traders": traders}, separators=(",", ":"))
    if len(payload.encode()) > MAX_NOTIFY_BYTES:
        payload = json.dumps({"market": symbol, "sequence": sequence}, separators=(",", ":"))
    return payload


def rows_after(session: Session, market_id: int, sequence: int) -> list[tuple[int, str, str]]:
    """The market's journal rows after `sequence`, oldest first, as (sequence, changes, traders)."""
    query = (
        select(CHANGES.c.sequence, CHANGES.c.changes, CHANGES.c.traders)
        .where(CHANGES.c.market_id == market_id, CHANGES.c.sequence > sequence)
        .order_by(CHANGES.c.sequence)
    )
    return [(int(row.sequence), row.changes, row.traders) for row in session.execute(query)]
