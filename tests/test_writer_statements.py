"""What one writer batch asks the database, on both databases: client order ids in one query, ids with the lock."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from app.accounts.service import Accounts
from app.exchange.service import Exchange
from app.store.db import Database
from models import OrderCreate, TraderCreate
from tests.servers import STARTING_CREDITS


@pytest.fixture
async def exchange(database: Database) -> AsyncIterator[tuple[Exchange, int, int]]:
    """A running exchange on the module's database, and two registered, funded traders."""
    exchange = Exchange(database)
    await exchange.start(watch_interval=0)
    try:
        accounts = Accounts(database, starting_balances=STARTING_CREDITS)
        alice = await accounts.register(TraderCreate(username="alice", password="correct horse"))
        bob = await accounts.register(TraderCreate(username="bob", password="correct horse"))
        yield exchange, alice.id, bob.id
    finally:
        await exchange.stop()


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """Every statement the writer's engine sends from now on."""
    sent: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(database.writer, "before_cursor_execute", record)
    yield sent
    event.remove(database.writer, "before_cursor_execute", record)


def order(side: str, price: str, client_order_id: str | None = None) -> OrderCreate:
    return OrderCreate(
        symbol="BTC-USD",
        side=side,  # type: ignore[arg-type]
        price=Decimal(price),
        quantity=Decimal("0.1000"),
        client_order_id=client_order_id,
    )


async def test_the_client_order_ids_of_a_batch_are_looked_up_in_one_query_and_repeats_answer_the_stored_order(
    exchange: tuple[Exchange, int, int], statements: list[str]
) -> None:
    market, alice, _ = exchange
    stored = [
        (await market.commands.place_order(trader_id=alice, order_in=order("buy", "90.00", f"c-{i}")))[0]
        for i in range(3)
    ]
    statements.clear()

    # Started together, the commands queue up before the writer wakes: one batch.
    answers = await asyncio.gather(
        *(market.commands.place_order(trader_id=alice, order_in=order("buy", "90.00", f"c-{i}")) for i in range(6))
    )

    assert answers[:3] == [(order, False) for order in stored]
    assert [created for _, created in answers[3:]] == [True] * 3
    lookups = [sql for sql in statements if sql.startswith("SELECT") and "client_order_id" in sql.partition("WHERE")[2]]
    assert len(lookups) == 1


async def test_a_batch_takes_its_ids_in_the_statement_that_locks_the_market_on_sqlite_from_sequences_on_postgresql(
    exchange: tuple[Exchange, int, int], statements: list[str], backend: str
) -> None:
    market, alice, bob = exchange
    (resting, _) = await market.commands.place_order(trader_id=alice, order_in=order("sell", "100.00"))
    statements.clear()

    (first, _), (second, _) = await asyncio.gather(
        market.commands.place_order(trader_id=bob, order_in=order("buy", "100.00")),
        market.commands.place_order(trader_id=bob, order_in=order("buy", "99.00")),
    )

    assert (first.id, second.id) == (resting.id + 1, resting.id + 2) or backend == "postgresql"
    assert len(first.trades) == 1
    asking_for_ids = [sql for sql in statements if "max(" in sql or "nextval" in sql]
    if backend == "sqlite":
        assert len(asking_for_ids) == 1 and "FROM markets" in asking_for_ids[0]
    else:
        assert len(asking_for_ids) == 2  # a block of order ids, then of trade ids
