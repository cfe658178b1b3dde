"""A commit whose answer is lost: the writer must find the batch stored, acknowledge it, and never store it twice."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from app.accounts.service import Accounts
from app.exchange.service import Exchange
from app.store.db import Database, connect, create_schema
from models import Order, OrderCreate, TraderCreate
from tests.servers import STARTING_CREDITS


class CommitAnswerLost(Database):
    """The real database, except that the next write raises after its COMMIT went through, as a dropped link would."""

    def lose_next_commit_answer(self) -> None:
        object.__setattr__(self, "_lose_next", True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        with super().write() as session:
            yield session
        if getattr(self, "_lose_next", False):
            object.__setattr__(self, "_lose_next", False)
            raise OperationalError("COMMIT", {}, ConnectionResetError("connection lost after the commit"))


def stored_orders(database: Database) -> int:
    with database.read() as session:
        return session.exec(select(func.count()).select_from(Order)).one()


@pytest.fixture
async def market(tmp_path: Path) -> AsyncIterator[tuple[CommitAnswerLost, Exchange, int]]:
    """A running exchange on a real SQLite file whose commit answers can be lost, and a registered trader."""
    real = connect(f"sqlite:///{tmp_path / 'orderbook.db'}")
    database = CommitAnswerLost(real.url, real.writer, real.reader)
    create_schema(database)
    exchange = Exchange(database)
    await exchange.start(watch_interval=0)
    try:
        trader = await Accounts(database, starting_balances=STARTING_CREDITS).register(
            TraderCreate(username="alice", password="correct horse")
        )
        yield database, exchange, trader.id
    finally:
        await exchange.stop()
        database.dispose()


async def test_an_order_whose_commit_answer_was_lost_is_acknowledged_once(
    market: tuple[CommitAnswerLost, Exchange, int],
) -> None:
    database, exchange, trader_id = market
    order_in = OrderCreate(symbol="BTC-USD", side="buy", price=Decimal("100.00"), quantity=Decimal("0.5000"))

    database.lose_next_commit_answer()
    order, created = await exchange.commands.place_order(trader_id=trader_id, order_in=order_in)

    assert created and order.status == "open"
    assert await asyncio.to_thread(stored_orders, database) == 1  # stored once, not retried into a second row
    book = await exchange.reads.book("BTC-USD", depth=5)
    assert [(level.price, level.quantity) for level in book.bids] == [("100.00", "0.5000")]


async def test_a_cancel_whose_commit_answer_was_lost_is_acknowledged(
    market: tuple[CommitAnswerLost, Exchange, int],
) -> None:
    database, exchange, trader_id = market
    order_in = OrderCreate(symbol="BTC-USD", side="sell", price=Decimal("101.00"), quantity=Decimal("0.5000"))
    order, _ = await exchange.commands.place_order(trader_id=trader_id, order_in=order_in)

    database.lose_next_commit_answer()
    cancelled = await exchange.commands.cancel_order(trader_id=trader_id, order_id=order.id)

    assert cancelled.status == "cancelled"
    assert (await exchange.reads.order(trader_id=trader_id, order_id=order.id)).status == "cancelled"
    assert (await exchange.reads.book("BTC-USD", depth=5)).asks == []
