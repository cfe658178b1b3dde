"""Commands that share one batch: each answer is the order as that batch committed it, the same as reading it back."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from app.accounts.service import Accounts
from app.exchange.service import Exchange
from app.store.db import connect, create_schema
from models import OrderCreate, OrderPublic, TraderCreate
from tests.servers import STARTING_CREDITS


@pytest.fixture
async def exchange(tmp_path: Path) -> AsyncIterator[tuple[Exchange, int, int]]:
    """A running exchange on a real SQLite file, and two registered traders."""
    database = connect(f"sqlite:///{tmp_path / 'orderbook.db'}")
    create_schema(database)
    exchange = Exchange(database)
    await exchange.start(watch_interval=0)
    try:
        accounts = Accounts(database, starting_balances=STARTING_CREDITS)
        alice = await accounts.register(TraderCreate(username="alice", password="correct horse"))
        bob = await accounts.register(TraderCreate(username="bob", password="correct horse"))
        yield exchange, alice.id, bob.id
    finally:
        await exchange.stop()
        database.dispose()


def order(side: str, price: str, quantity: str, client_order_id: str | None = None) -> OrderCreate:
    return OrderCreate(
        symbol="BTC-USD",
        side=side,  # type: ignore[arg-type]
        price=Decimal(price),
        quantity=Decimal(quantity),
        client_order_id=client_order_id,
    )


async def read_back(exchange: Exchange, trader_id: int, answer: OrderPublic) -> OrderPublic:
    return await exchange.reads.order(trader_id=trader_id, order_id=answer.id)


async def test_orders_placed_in_one_batch_answer_as_committed(exchange: tuple[Exchange, int, int]) -> None:
    market, alice, bob = exchange
    # Started together, the three commands queue up before the writer wakes: one batch, one transaction.
    (maker, _), (taker, _), (again, created) = await asyncio.gather(
        market.commands.place_order(trader_id=alice, order_in=order("sell", "100.00", "0.5000", "a-1")),
        market.commands.place_order(trader_id=bob, order_in=order("buy", "100.00", "0.2000")),
        market.commands.place_order(trader_id=alice, order_in=order("sell", "100.00", "0.5000", "a-1")),
    )

    assert not created and again == maker
    assert (maker.status, maker.filled_quantity, maker.remaining_quantity) == ("partially_filled", "0.2000", "0.3000")
    assert [trade.quantity for trade in maker.trades] == [trade.quantity for trade in taker.trades] == ["0.2000"]
    assert maker == await read_back(market, alice, maker)
    assert taker == await read_back(market, bob, taker)


async def test_a_stored_order_changed_in_one_batch_answers_with_its_earlier_and_new_fills(
    exchange: tuple[Exchange, int, int],
) -> None:
    market, alice, bob = exchange
    maker, _ = await market.commands.place_order(trader_id=alice, order_in=order("sell", "100.00", "1.0000", "a-1"))
    await market.commands.place_order(trader_id=bob, order_in=order("buy", "100.00", "0.4000"))

    (again, _), _, cancelled = await asyncio.gather(
        market.commands.place_order(trader_id=alice, order_in=order("sell", "100.00", "1.0000", "a-1")),
        market.commands.place_order(trader_id=bob, order_in=order("buy", "100.00", "0.3000")),
        market.commands.cancel_order(trader_id=alice, order_id=maker.id),
    )

    assert again == cancelled
    assert (cancelled.status, cancelled.filled_quantity, cancelled.remaining_quantity) == (
        "cancelled",
        "0.7000",
        "0.0000",
    )
    assert [trade.quantity for trade in cancelled.trades] == ["0.4000", "0.3000"]
    assert cancelled == await read_back(market, alice, cancelled)
