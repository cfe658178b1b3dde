"""Two exchanges on one real database: the one behind catches up from the change journal, not by reloading its book.

Both run in this process with their watch off, so that the test decides when the second one catches up.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from sqlalchemy import func, select

from app.accounts.service import Accounts
from app.exchange.service import Exchange
from app.observability.metrics import REGISTRY
from app.store.db import Database
from app.store.journal import CHANGES, PRUNE_EVERY
from models import OrderAmend, OrderCreate, TraderCreate
from tests.servers import STARTING_CREDITS, unique_username

BTC = "BTC-USD"


def catch_ups(how: str) -> float:
    return REGISTRY.get_sample_value("orderbook_book_catch_ups_total", {"market": BTC, "how": how}) or 0.0


def book_of(exchange: Exchange) -> list[tuple]:
    """The BTC book's resting orders in priority order, with what each trader has resting."""
    writer = exchange.writers[BTC]
    orders = [(o.id, o.trader_id, o.side, o.price, o.quantity, o.filled) for o in writer.market.book.resting_orders()]
    return [*orders, writer.market.book.depth(500), +writer.market.resting_by_trader]


@asynccontextmanager
async def running(database: Database, *, journal_keep: int = 20000) -> AsyncIterator[Exchange]:
    exchange = Exchange(database, journal_keep=journal_keep)
    await exchange.start(watch_interval=0)
    try:
        yield exchange
    finally:
        await exchange.stop()


async def traders(database: Database, count: int) -> list[int]:
    accounts = Accounts(database, starting_balances=STARTING_CREDITS)
    return [
        (await accounts.register(TraderCreate(username=unique_username(), password="correct horse"))).id
        for _ in range(count)
    ]


def limit(side: str, price: str, quantity: str) -> OrderCreate:
    return OrderCreate(symbol=BTC, side=side, price=Decimal(price), quantity=Decimal(quantity))


async def trade_a_while(exchange: Exchange, alice: int, bob: int) -> set[int]:
    """Rests, partial and full fills, a reduction and a cancel; the traders whose orders changed."""
    place, commands = exchange.commands.place_order, exchange.commands
    ask, _ = await place(trader_id=alice, order_in=limit("sell", "101.00", "0.5000"))
    await place(trader_id=alice, order_in=limit("sell", "101.00", "0.3000"))
    high, _ = await place(trader_id=alice, order_in=limit("sell", "103.00", "0.3000"))
    await place(trader_id=bob, order_in=limit("buy", "101.00", "0.2000"))  # part of the first ask
    bid, _ = await place(trader_id=bob, order_in=limit("buy", "99.00", "0.4000"))
    await commands.reduce_order(trader_id=bob, order_id=bid.id, amend=OrderAmend(quantity=Decimal("0.1000")))
    await commands.cancel_order(trader_id=alice, order_id=high.id)
    await place(trader_id=bob, order_in=limit("buy", "101.00", "0.3000"))  # rest of the first ask
    assert (await exchange.reads.order(trader_id=alice, order_id=ask.id)).status == "filled"
    return {alice, bob}


async def test_an_exchange_behind_catches_up_from_the_journal_to_the_same_book(database: Database) -> None:
    alice, bob, carol = await traders(database, 3)
    async with running(database) as leader, running(database) as follower:
        published: list[frozenset[int] | None] = []
        follower.subscribe(lambda symbol, sequence, changed: published.append(changed))
        journal_before, reloads_before = catch_ups("journal"), catch_ups("reload")
        await trade_a_while(leader, alice, bob)
        assert await follower.sync(BTC) == leader.writers[BTC].sequence
        assert book_of(follower) == book_of(leader)
        assert catch_ups("journal") == journal_before + 1
        assert catch_ups("reload") == reloads_before
        assert published == [frozenset({alice, bob})]  # whose orders changed is known: only their pages re-read
        # The caught-up book matches as the leader's would: a taker on the follower meets alice's second ask.
        sweep, _ = await follower.commands.place_order(trader_id=carol, order_in=limit("buy", "101.00", "0.6000"))
        assert [(fill.price, fill.quantity) for fill in sweep.trades] == [("101.00", "0.3000")]
        assert (sweep.status, sweep.filled_quantity) == ("partially_filled", "0.3000")
        await leader.sync(BTC)
        assert book_of(leader) == book_of(follower)
        async with running(database) as reloaded:
            assert book_of(reloaded) == book_of(follower)


async def test_an_exchange_behind_a_pruned_journal_reloads_its_book(database: Database) -> None:
    alice, bob = await traders(database, 2)
    async with running(database, journal_keep=2) as leader, running(database) as follower:
        published: list[frozenset[int] | None] = []
        follower.subscribe(lambda symbol, sequence, changed: published.append(changed))
        journal_before, reloads_before = catch_ups("journal"), catch_ups("reload")
        await trade_a_while(leader, alice, bob)
        await follower.sync(BTC)
        assert book_of(follower) == book_of(leader)
        assert catch_ups("reload") == reloads_before + 1
        assert catch_ups("journal") == journal_before
        assert published == [None]  # unknown whose orders changed: every page re-reads its own


async def test_the_journal_stays_bounded(database: Database) -> None:
    (alice,) = await traders(database, 1)
    keep = 3
    async with running(database, journal_keep=keep) as exchange:
        for index in range(2 * PRUNE_EVERY):
            await exchange.commands.place_order(
                trader_id=alice, order_in=limit("buy", f"{90 + index % 5}.00", "0.0200")
            )
            with database.read() as session:
                rows = session.execute(select(func.count()).select_from(CHANGES)).scalar_one()
            assert rows <= keep + min(keep, PRUNE_EVERY)
