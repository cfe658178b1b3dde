"""Following deposits through the ledger on both databases: each row after the start is told once, read or announced.

The follower runs in this process with no watch, so that the test decides when it reads (app/accounts/ledger_feed.py).
"""

from decimal import Decimal

import pytest

from app.accounts import ledger_feed
from app.accounts.ledger_feed import LedgerFollower, last_entry
from app.accounts.service import Accounts
from app.store.db import Database
from models import TraderCreate
from tests.servers import unique_username


async def new_trader(accounts: Accounts) -> int:
    return (await accounts.register(TraderCreate(username=unique_username(), password="correct horse"))).id


def newest_entry(database: Database) -> int:
    with database.read() as session:
        return last_entry(session)


async def test_the_ledger_rows_after_the_start_are_told_once_with_their_traders(database: Database) -> None:
    accounts = Accounts(database)
    before = await new_trader(accounts)
    await accounts.top_up(before, [("USD", Decimal(5))])  # before the start: the page reads it when it opens
    told: list[frozenset[int]] = []
    follower = LedgerFollower(database, told.append)
    await follower.start()
    await follower.catch_up()
    assert told == []

    first, second = await new_trader(accounts), await new_trader(accounts)
    await accounts.top_up(first, [("USD", Decimal(10))])
    await accounts.top_up(second, [("BTC", Decimal(1))])
    await follower.catch_up()
    await follower.catch_up()
    assert told == [frozenset({first, second})]


async def test_an_announced_row_is_told_at_once_and_not_again_when_the_ledger_is_read(database: Database) -> None:
    accounts = Accounts(database)
    trader = await new_trader(accounts)
    told: list[frozenset[int]] = []
    follower = LedgerFollower(database, told.append)
    await follower.start()

    await accounts.top_up(trader, [("USD", Decimal(20))])
    follower.announce(newest_entry(database), frozenset({trader}))  # as its NOTIFY does
    assert told == [frozenset({trader})]
    await follower.catch_up()
    assert told == [frozenset({trader})]
    assert follower.announced == set()  # passed by the read: forgotten


async def test_a_long_backlog_is_read_in_bounded_rounds_and_nothing_is_lost(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_feed, "READ_AT_MOST", 2)
    accounts = Accounts(database)
    told: list[frozenset[int]] = []
    follower = LedgerFollower(database, told.append)
    await follower.start()
    traders = [await new_trader(accounts) for _ in range(3)]
    for trader in traders:
        await accounts.top_up(trader, [("USD", Decimal(1))])

    await follower.catch_up()
    assert told == [frozenset(traders[:2])]
    await follower.catch_up()
    assert told == [frozenset(traders[:2]), frozenset(traders[2:])]
