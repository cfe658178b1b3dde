"""Looking up API keys on both databases: the keys presented together are read together, each answered exactly."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app.accounts import key_lookups
from app.accounts.service import Accounts
from app.store.db import Database, connect
from models import TraderCreate
from tests.servers import unique_username

DEADLINE = 10.0  # s: a lookup that never answers fails the test instead of hanging it


@pytest.fixture
def key_queries(database: Database) -> Iterator[list[str]]:
    """The statements that read traders by key hash, as the reader runs them."""
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT") and "api_key_hash" in statement:
            seen.append(statement)

    event.listen(database.reader, "before_cursor_execute", record)
    yield seen
    event.remove(database.reader, "before_cursor_execute", record)


async def registered(accounts: Accounts, count: int) -> list[tuple[int, str]]:
    """(id, API key) of `count` new traders."""
    created = []
    for _ in range(count):
        trader = await accounts.register(TraderCreate(username=unique_username(), password="correct horse"))
        created.append((trader.id, trader.api_key))
    return created


async def test_keys_presented_together_are_read_in_one_query_each_answered_with_its_own_trader(
    database: Database, key_queries: list[str]
) -> None:
    accounts = Accounts(database)
    traders = await registered(accounts, 3)
    keys = [key for _, key in traders] * 10 + ["lob_wrong", "not-even-ours"]

    found = await asyncio.wait_for(asyncio.gather(*(accounts.by_api_key(key) for key in keys)), DEADLINE)

    assert [None if caller is None else caller.id for caller in found] == [i for i, _ in traders] * 10 + [None, None]
    assert len(key_queries) == 1


async def test_keys_beyond_one_querys_limit_wait_for_the_next_query(
    database: Database, key_queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_lookups, "MAX_KEYS", 2)
    accounts = Accounts(database)
    traders = await registered(accounts, 5)

    found = await asyncio.wait_for(asyncio.gather(*(accounts.by_api_key(key) for _, key in traders)), DEADLINE)

    assert [caller and caller.id for caller in found] == [trader_id for trader_id, _ in traders]
    assert len(key_queries) == 3


async def test_a_rotated_key_is_refused_by_the_next_lookup_and_the_new_one_accepted(database: Database) -> None:
    accounts = Accounts(database)
    [(trader_id, old)] = await registered(accounts, 1)
    assert (await accounts.by_api_key(old)) is not None

    new = await accounts.rotate_api_key(trader_id)

    assert await accounts.by_api_key(old) is None
    caller = await accounts.by_api_key(new)
    assert caller is not None and caller.id == trader_id


async def test_a_database_that_cannot_be_read_fails_every_waiting_lookup_and_the_next_one_too(tmp_path: Any) -> None:
    unreadable = connect(f"sqlite:///{tmp_path}/no/such/directory/orderbook.db")
    accounts = Accounts(unreadable)
    try:
        waiting = [accounts.by_api_key(f"lob_{i}") for i in range(3)]
        answers = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), DEADLINE)
        assert all(isinstance(answer, OperationalError) for answer in answers), answers
        with pytest.raises(OperationalError):
            await asyncio.wait_for(accounts.by_api_key("lob_again"), DEADLINE)
    finally:
        unreadable.dispose()
