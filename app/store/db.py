"""Database engines: SQLite (WAL, durable commits) or PostgreSQL, tables and the default markets."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine, select

from models import Market

DEFAULT_MARKETS = (
    Market(
        symbol="BTC-USD",
        base="BTC",
        quote="USD",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.0001"),
        min_notional=Decimal("1"),
        max_price=Decimal("1000000"),
        max_quantity=Decimal("1000"),
    ),
    Market(
        symbol="ETH-USD",
        base="ETH",
        quote="USD",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.001"),
        min_notional=Decimal("1"),
        max_price=Decimal("1000000"),
        max_quantity=Decimal("10000"),
    ),
)


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


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so that writers can take the lock at once.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the order is acknowledged, even if the machine loses power.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock before the market's sequence is read: no two writers interleave.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def connect(url: str) -> Database:
    """Engines for a database URL (sqlite:///... or postgresql+psycopg://...)."""
    if make_url(url).get_backend_name() == "sqlite":
        return Database(url, _sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False))
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    return Database(url, engine, engine)


def create_schema(database: Database) -> None:
    """Create the tables and the default markets when missing (safe when several processes start together)."""
    with database.writer.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Processes starting together on an empty database take turns: tables and markets in one transaction.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7160401)")
        SQLModel.metadata.create_all(connection)
        with Session(bind=connection) as session:
            existing = set(session.exec(select(Market.symbol)).all())
            for market in DEFAULT_MARKETS:
                if market.symbol not in existing:
                    session.add(Market.model_validate(market.model_dump()))
            session.flush()
