"""Alembic's environment: one locked transaction per upgrade, on the app's connection or on DATABASE_URL's."""

import logging.config
import os
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection, inspect

from app.store.db import connect

BASELINE = "0001"
# Any constant works; processes migrating one PostgreSQL database agree on it (the pre-Alembic code used it too).
ADVISORY_LOCK = 7160401
# SQLite at start-up: wait this long for another process's upgrade instead of the app's usual 5 s.
SQLITE_UPGRADE_WAIT_MS = 120000


def made_before_migrations(connection: Connection) -> bool:
    """A database that the pre-Alembic code created with create_all: it has the tables, but no version table."""
    tables = set(inspect(connection).get_table_names())
    return "markets" in tables and "alembic_version" not in tables


@contextmanager
def sqlite_waits_for_upgrades(connection: Connection) -> Iterator[None]:
    """On SQLite, a longer busy wait while upgrading, so that processes starting together wait for each other."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    (usual,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute(f"PRAGMA busy_timeout={SQLITE_UPGRADE_WAIT_MS}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={usual}")


def upgrade(connection: Connection) -> None:
    """Run the migrations in one transaction, which on SQLite already holds the write lock (BEGIN IMMEDIATE)."""
    with sqlite_waits_for_upgrades(connection), connection.begin():
        if connection.dialect.name == "postgresql":
            # Waiting for another process's upgrade may take longer than the app's lock and statement limits...
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")
            # ...but DDL must not queue forever behind a stuck lock on a table (and block every query behind it).
            connection.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
        # SQLite runs DDL inside a transaction too: all revisions commit together or not at all.
        context.configure(connection=connection, transactional_ddl=True)
        if made_before_migrations(connection):
            logging.getLogger("alembic").info("tables made before migrations: stamping them at the baseline")
            context.get_context().stamp(context.script, BASELINE)
        context.run_migrations()


def main() -> None:
    config = context.config
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    given = config.attributes.get("connection")
    if given is not None:
        upgrade(given)
        return
    # The manual command: the same engine set-up as the app (SQLite pragmas and BEGIN IMMEDIATE, PostgreSQL limits).
    database = connect(os.environ.get("DATABASE_URL", "sqlite:///orderbook.db"))
    try:
        with database.writer.connect() as connection:
            upgrade(connection)
    finally:
        database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: run the upgrade against a database")
main()
