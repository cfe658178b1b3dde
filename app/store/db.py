"""Database engines: SQLite (WAL, durable commits) or PostgreSQL, each with bounded lock waits; the schema upgrade."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from app.settings import Settings
from app.store import sqlite_decimal
from app.store.migrate import upgrade_to_head

# How long a writer waits for a lock held by another connection before its batch fails with a 503: the setting's
# default (ORDERBOOK_LOCK_TIMEOUT), for connections made without settings. A batch holds the market's lock for
# milliseconds; a wait of seconds means something is stuck, and every queued order waits behind it.
LOCK_TIMEOUT: float = Settings.model_fields["lock_timeout"].default
# PostgreSQL: how long opening a connection may take; an unreachable server fails requests with a 503 after this.
CONNECT_TIMEOUT_S = 5
# PostgreSQL: the longest any one statement may run. The slowest the app runs (reloading a book of thousands of resting
# orders) takes well under a second; this only stops a runaway query from holding a connection and its locks.
STATEMENT_TIMEOUT_MS = 30000
# SQLSTATEs of a statement cancelled by those limits: lock_not_available (lock_timeout) and query_canceled.
POSTGRES_TIMEOUT_STATES = frozenset({"55P03", "57014"})
# SQLSTATEs of a transaction the database gave up to let others go on: deadlock_detected, serialization_failure.
# Balance rows are shared between markets, so two writers can lock them crosswise; the batch is simply run again.
POSTGRES_RETRY_STATES = frozenset({"40P01", "40001"})


@dataclass(frozen=True)
class Database:
    """Two engines on one database: writers take the write lock up front, readers never wait for writers."""

    url: str
    writer: Engine
    reader: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed on success, rolled back on error."""
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session."""
        with Session(self.reader, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()


def _sqlite_engine(url: str, *, immediate: bool, lock_timeout: float) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so that writers can take the lock at once.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the order is acknowledged, even if the machine loses power.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        sqlite_decimal.register(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock before the market's sequence is read: no two writers interleave.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def connect(url: str, *, lock_timeout: float = LOCK_TIMEOUT) -> Database:
    """Engines for a database URL (sqlite:///... or postgresql+psycopg://...); a lock is waited for `lock_timeout` s."""
    if make_url(url).get_backend_name() == "sqlite":
        writer = _sqlite_engine(url, immediate=True, lock_timeout=lock_timeout)
        return Database(url, writer, _sqlite_engine(url, immediate=False, lock_timeout=lock_timeout))
    options = f"-c lock_timeout={round(lock_timeout * 1000)} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    connect_args = {"options": options, "connect_timeout": CONNECT_TIMEOUT_S}
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=connect_args)
    return Database(url, engine, engine)


def create_schema(database: Database) -> None:
    """Bring the database to the newest schema (Alembic's `upgrade head`), the default markets included.

    A database made before migrations existed is recognised and stamped at the baseline first; processes starting
    together take turns (PostgreSQL: an advisory lock, SQLite: the write lock).
    """
    upgrade_to_head(database.writer)


def is_lock_timeout(error: SQLAlchemyError) -> bool:
    """Whether a statement failed because a lock stayed held (or it ran too long): retrying it would wait again."""
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return state in POSTGRES_TIMEOUT_STATES
    # SQLite reports an expired busy timeout as SQLITE_BUSY, "database is locked".
    return "database is locked" in str(error.orig)


def is_retryable(error: SQLAlchemyError) -> bool:
    """Whether the database rolled the transaction back to break a deadlock: running it again will go through."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in POSTGRES_RETRY_STATES


def ping(database: Database) -> bool:
    """Whether the database answers `SELECT 1` now (blocking: call it from a worker thread)."""
    try:
        with database.reader.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError:
        return False
    return True
