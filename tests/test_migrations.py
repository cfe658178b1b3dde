"""Alembic migrations: a database made before them (LEGACY_COMMIT's code) upgrades with nothing lost, on both backends.

The legacy code is that commit's own files (`git archive`), run as its own `python main.py`; the current code then
starts on the same database, or `alembic upgrade head` runs on it, and must serve exactly what the old code served.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from sqlmodel import SQLModel, create_engine

import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app.store.db import connect, create_schema
from tests.legacy import (
    HEAD_REVISION,
    RESTING_INDEX,
    History,
    as_served_before_fees,
    client,
    copy_database,
    deposit,
    drop_postgres_database,
    everything_served,
    index_names,
    legacy_checkout,
    place,
    stored_revision,
    trade_a_history,
)
from tests.schemas import schema_of
from tests.servers import REPO_ROOT, ServerProcess, postgres_database, serving, sqlite_url

pytestmark = pytest.mark.process


class Legacy(NamedTuple):
    """A stopped legacy server's database, its traders, and everything it served before it stopped."""

    url: str
    history: History
    served: dict[str, Any]


@pytest.fixture(scope="module")
def legacy(backend: str, new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> Legacy:
    code = legacy_checkout(tmp_path_factory.mktemp("legacy-code"))
    url = new_database_url()
    with serving(ServerProcess(url, tmp_path_factory.mktemp("log") / "legacy.log", cwd=code).start()) as old:
        history = trade_a_history(old.base_url)
        served = everything_served(old.base_url, history)
    assert stored_revision(url) is None  # really made without Alembic
    books = [served["book BTC-USD"], served["book ETH-USD"]]
    assert all(book["bids"] and book["asks"] and book["sequence"] > 0 for book in books), books
    assert len(served["trades BTC-USD"]) == 3 and len(served["trades ETH-USD"]) == 1
    return Legacy(url, history, served)


@contextmanager
def copied(legacy: Legacy, folder: Path) -> Iterator[str]:
    """A copy of the legacy database for one test to upgrade; a PostgreSQL copy is dropped afterwards."""
    name = f"orderbook_test_{uuid.uuid4().hex[:8]}"
    url = copy_database(legacy.url, str(folder / f"{name}.db") if legacy.url.startswith("sqlite") else name)
    try:
        yield url
    finally:
        if not url.startswith("sqlite"):
            drop_postgres_database(url)


@pytest.fixture(scope="module")
def upgraded(legacy: Legacy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The current code serving a copy of the legacy database, which it upgraded on start."""
    with copied(legacy, tmp_path_factory.mktemp("db")) as url:
        log = tmp_path_factory.mktemp("log") / "upgraded.log"
        with serving(ServerProcess(url, log).start()) as server:
            yield server


def test_the_app_upgrades_a_database_made_before_migrations_to_head(upgraded: ServerProcess) -> None:
    assert stored_revision(upgraded.database_url) == HEAD_REVISION
    assert RESTING_INDEX in index_names(upgraded.database_url, "orders")
    assert "stamping them at the baseline" in upgraded.log()


def test_an_upgraded_database_serves_every_order_trade_book_and_sequence_as_before(
    legacy: Legacy, upgraded: ServerProcess
) -> None:
    assert as_served_before_fees(everything_served(upgraded.base_url, legacy.history)) == legacy.served


def test_old_api_keys_work_after_the_upgrade_and_the_rotated_away_key_does_not(
    legacy: Legacy, upgraded: ServerProcess
) -> None:
    for api_key in legacy.history.traders.values():
        with client(upgraded.base_url, api_key) as trader:
            assert trader.get("/api/orders").status_code == 200
    with client(upgraded.base_url, legacy.history.retired_key) as retired:
        assert retired.get("/api/orders").status_code == 401


def test_a_new_order_matches_against_an_order_resting_since_before_the_upgrade(
    legacy: Legacy, upgraded: ServerProcess
) -> None:
    funded = deposit(upgraded.database_url, legacy.history.usernames["carol"], "USD", "1000")
    assert funded.returncode == 0, funded.stderr
    with client(upgraded.base_url, legacy.history.traders["carol"]) as carol:
        taker = place(carol, symbol="BTC-USD", side="buy", price="105.00", quantity="0.1000")
    assert taker["status"] == "filled"
    assert [(fill["price"], fill["quantity"]) for fill in taker["trades"]] == [("105.00", "0.1000")]
    with client(upgraded.base_url, legacy.history.traders["alice"]) as alice:
        maker = alice.get(f"/api/orders/{legacy.history.alice_resting_ask}").json()
    assert (maker["status"], maker["filled_quantity"], maker["remaining_quantity"]) == (
        "partially_filled",
        "0.1000",
        "0.1000",
    )


def test_a_second_start_after_the_upgrade_changes_nothing(legacy: Legacy, tmp_path: Path) -> None:
    with copied(legacy, tmp_path) as url:
        with serving(ServerProcess(url, tmp_path / "first.log").start()) as first:
            assert "Running upgrade" in first.log()
        schema = schema_of(url)
        with serving(ServerProcess(url, tmp_path / "second.log").start()) as second:
            assert "Running upgrade" not in second.log()
            assert as_served_before_fees(everything_served(second.base_url, legacy.history)) == legacy.served
        assert stored_revision(url) == HEAD_REVISION
        assert schema_of(url) == schema


def test_the_manual_alembic_command_upgrades_a_database_made_before_migrations(legacy: Legacy, tmp_path: Path) -> None:
    with copied(legacy, tmp_path) as url:
        command = [sys.executable, "-m", "alembic", "upgrade", "head"]
        env = {**os.environ, "DATABASE_URL": url}
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        assert stored_revision(url) == HEAD_REVISION
        with serving(ServerProcess(url, tmp_path / "server.log").start()) as server:
            assert "Running upgrade" not in server.log()
            assert as_served_before_fees(everything_served(server.base_url, legacy.history)) == legacy.served


@contextmanager
def fresh_database(backend: str, path: Path) -> Iterator[str]:
    """An empty database: a new PostgreSQL one (dropped afterwards), or the SQLite file at `path`."""
    if backend == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        yield sqlite_url(path)


def upgraded_in_process(url: str) -> None:
    database = connect(url)
    try:
        create_schema(database)
    finally:
        database.dispose()


def test_an_upgraded_legacy_database_has_exactly_the_schema_of_a_fresh_one(
    backend: str, legacy: Legacy, tmp_path: Path
) -> None:
    with copied(legacy, tmp_path) as url, fresh_database(backend, tmp_path / "fresh.db") as fresh:
        upgraded_in_process(url)
        upgraded_in_process(fresh)
        assert schema_of(url) == schema_of(fresh)


def test_a_fresh_database_has_exactly_the_schema_the_models_describe(backend: str, tmp_path: Path) -> None:
    with (
        fresh_database(backend, tmp_path / "migrated.db") as migrated,
        fresh_database(backend, tmp_path / "models.db") as described,
    ):
        upgraded_in_process(migrated)
        engine = create_engine(described)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        assert schema_of(migrated) == schema_of(described)


def test_servers_starting_together_on_an_empty_database_migrate_it_once(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path / "orderbook.db") as url:
        servers = [ServerProcess(url, tmp_path / f"server-{index}.log") for index in range(3)]
        try:
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_until_healthy()
            markets = httpx.get(f"{servers[0].base_url}/api/markets", timeout=10).json()
        finally:
            for server in servers:
                server.stop()
        for server in servers:
            server.assert_clean_log()
        assert [market["symbol"] for market in markets] == ["BTC-USD", "ETH-USD"]
        assert sum("Running upgrade  -> 0001" in server.log() for server in servers) == 1
        assert stored_revision(url) == HEAD_REVISION
