"""How a process learns of others' batches and deposits at once: PostgreSQL LISTEN, SQLite data_version, a slow poll.

NOTIFY is best effort (a notice sent while the connection is down is gone), so after every (re)connect the process
catches up every market from the journal, and a slow poll of the stored sequences stays as the safety net.
"""

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Protocol

import psycopg
from sqlalchemy.engine import make_url

from app.observability.metrics import CHANGE_NOTIFICATIONS, LISTENER_CONNECTS
from app.store.db import Database
from app.store.journal import CHANNEL

log = logging.getLogger(__name__)

# SQLite: how often the dedicated connection asks whether anyone committed (one PRAGMA, no table read). It bounds how
# late another instance's change reaches this one's pages, and an ask costs next to nothing (docs/performance.md).
DATA_VERSION_INTERVAL = 0.025
FIRST_RETRY, LAST_RETRY = 0.1, 5.0  # seconds between reconnects, doubling up to the last


def application_name() -> str:
    """How PostgreSQL lists this process's listener connection: read at each connect (a forked process has its own)."""
    return f"orderbook-listener-{os.getpid()}"


Notice = Callable[[str, int], None]  # (market symbol, sequence stored by someone)
CatchUp = Callable[[], Awaitable[None]]  # bring every market up to its stored sequence


class Funds(Protocol):
    """Who follows the money moved outside the markets (app/accounts/ledger_feed.py): told, or reading the ledger."""

    def announce(self, entry: int, traders: frozenset[int]) -> None: ...

    async def catch_up(self) -> None: ...


class ChangeWatcher:
    """Calls `notice` for every batch another process announces, and `catch_up` when announcements may be lost."""

    def __init__(
        self, database: Database, notice: Notice, catch_up: CatchUp, *, poll_interval: float, funds: Funds | None = None
    ) -> None:
        self.database = database
        self.notice = notice
        self.catch_up = catch_up
        self.funds = funds
        self.poll_interval = poll_interval
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        watch = self._data_version() if self.database.is_sqlite else self._listen()
        self.tasks = [
            asyncio.create_task(watch, name="listen for other processes' changes"),
            asyncio.create_task(self._poll(), name="safety poll of the stored sequences"),
        ]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []

    async def _catch_up(self) -> None:
        try:
            await self.catch_up()
        except Exception as error:  # the database may be briefly away; the next round retries
            log.warning("catching up with the database failed: %s", error)
        if self.funds is not None:
            try:
                await self.funds.catch_up()
            except Exception as error:
                log.warning("reading the ledger's new rows failed: %s", error)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            await self._catch_up()

    async def _listen(self) -> None:
        """One dedicated PostgreSQL connection in LISTEN; reconnects with back-off, then catches up."""
        conninfo = make_url(self.database.url).set(drivername="postgresql").render_as_string(hide_password=False)
        retry = FIRST_RETRY
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True, application_name=application_name(), connect_timeout=5
                )
                async with connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    LISTENER_CONNECTS.inc()
                    retry = FIRST_RETRY
                    await self._catch_up()  # what was announced while nobody listened
                    async for notify in connection.notifies():
                        self._announced(notify.payload)
            except (psycopg.Error, OSError) as error:
                log.warning("change listener: %s; reconnecting in %.1f s", str(error).strip(), retry)
            await asyncio.sleep(retry)
            retry = min(retry * 2, LAST_RETRY)

    def _announced(self, payload: str) -> None:
        try:
            announced = json.loads(payload)
            if "ledger" in announced:  # a deposit or withdrawal (app/accounts/funding.py)
                entry, traders = int(announced["ledger"]), frozenset(int(t) for t in announced["traders"])
                if self.funds is not None:
                    self.funds.announce(entry, traders)
                return
            symbol, sequence = str(announced["market"]), int(announced["sequence"])
        except (ValueError, KeyError, TypeError):
            log.warning("change listener: ignored a notification it cannot read: %.200r", payload)
            return
        self.notice(symbol, sequence)

    async def _data_version(self) -> None:
        """SQLite: PRAGMA data_version moves when another connection commits; only then read the sequences."""
        path = make_url(self.database.url).database or ":memory:"
        # One thread owns the connection: a cancelled wait leaves its PRAGMA running there, and closing the connection
        # from another thread meanwhile crashes sqlite3 (seen as a segfault); the close queues behind it instead.
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-version")
        loop = asyncio.get_running_loop()
        connection = await loop.run_in_executor(thread, partial(sqlite3.connect, path, check_same_thread=False))
        try:
            last: int | None = None
            while True:
                await asyncio.sleep(DATA_VERSION_INTERVAL)
                try:
                    version = await loop.run_in_executor(thread, _data_version, connection)
                except sqlite3.Error as error:
                    log.warning("change listener: %s", error)
                    continue
                if last is not None and version != last:
                    CHANGE_NOTIFICATIONS.inc()
                    await self._catch_up()
                last = version
        finally:
            thread.submit(connection.close)
            thread.shutdown(wait=False)


def _data_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA data_version").fetchone()[0])
