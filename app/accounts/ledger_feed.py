"""Whose money moved outside the markets (a deposit by `python main.py deposit`, any process): read from the ledger.

It rides on the market changes' path (app/store/listener.py): PostgreSQL's NOTIFY on the same channel says at once
whom a deposit credited; SQLite's data_version, a reconnect and the safety poll make it read the ledger's new rows.
"""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.funding import LEDGER
from app.store.db import Database

T = TypeVar("T")
READ_AT_MOST = 10_000  # ledger rows a read takes (after a long outage, the rest come with the next rounds)
FundsChanged = Callable[[frozenset[int]], None]  # the traders whose balances moved


def last_entry(session: Session) -> int:
    """The newest ledger row's id, 0 when there is none."""
    return int(session.execute(select(func.max(LEDGER.c.id))).scalar_one_or_none() or 0)


def entries_after(session: Session, last: int) -> list[tuple[int, int]]:
    """The ledger rows after id `last`, as (id, trader id); an index range on the primary key, empty nearly always."""
    query = select(LEDGER.c.id, LEDGER.c.trader_id).where(LEDGER.c.id > last).order_by(LEDGER.c.id).limit(READ_AT_MOST)
    return [(int(row.id), int(row.trader_id)) for row in session.execute(query)]


class LedgerFollower:
    """Tells its listeners about every ledger row committed after it started, once (announced or read)."""

    def __init__(self, database: Database, funds_changed: FundsChanged | None = None) -> None:
        self.database = database
        self.listeners: list[FundsChanged] = [] if funds_changed is None else [funds_changed]
        self.last = 0  # the newest ledger id read
        # Announced (PostgreSQL NOTIFY) and not yet passed by a read. Ids come from a sequence, so on PostgreSQL a
        # row may commit after a newer one was read: its announcement is then the only news of it.
        self.announced: set[int] = set()

    async def _read(self, work: Callable[[Session], T]) -> T:
        def in_thread() -> T:
            with self.database.read() as session:
                return work(session)

        return await asyncio.to_thread(in_thread)

    def subscribe(self, listener: FundsChanged) -> None:
        """Call `listener(traders)` whenever money moved outside the markets (the UI refreshes their balances)."""
        self.listeners.append(listener)

    def _tell(self, traders: frozenset[int]) -> None:
        for listener in list(self.listeners):
            listener(traders)

    async def start(self) -> None:
        """Begin after what the ledger already holds: pages opened from now on read their balances themselves."""
        self.last = await self._read(last_entry)

    def announce(self, entry: int, traders: frozenset[int]) -> None:
        """Another process committed ledger row `entry` for `traders` (its NOTIFY): tell at once."""
        # Told even when a read already passed `entry`: it may have committed after that read (one extra refresh).
        if entry > self.last:
            self.announced.add(entry)
        self._tell(traders)

    async def catch_up(self) -> None:
        """Read the ledger's rows after the last one seen; tell about those not announced already."""
        last = self.last
        rows = await self._read(lambda session: entries_after(session, last))
        if not rows:
            return
        traders = frozenset(trader for entry, trader in rows if entry not in self.announced)
        self.last = max(self.last, rows[-1][0])  # an overlapping read may have gone further
        self.announced = {entry for entry in self.announced if entry > self.last}
        if traders:
            self._tell(traders)
