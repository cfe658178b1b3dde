"""The market simulator behind `--demo`: a few demo traders quoting around a random-walk mid, so books look alive,
both sides always quoted, and on a market with no trades yet a history for every chart interval."""

import asyncio
import contextlib
import logging
import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, insert, select

from app.accounts.service import Accounts
from app.domain.rules import MarketRules
from app.errors import Conflict, ServiceError
from app.exchange.service import Exchange
from app.feed.market_data import MarketFeed
from app.store.db import Database
from app.store.writes import lock_market
from models import OrderCreate, Trade, TraderCreate
from models.enums import RESTING_STATUSES, OrderType, Side

log = logging.getLogger(__name__)

DEMO_TRADERS = ("demo-maker-1", "demo-maker-2", "demo-taker")
START_PRICES = {"BTC-USD": Decimal("65000"), "ETH-USD": Decimal("3200")}
ORDERS_PER_SECOND = 3  # per market
MAX_RESTING = 40  # per market: the oldest demo orders are cancelled past this
MIN_LEVELS = 5  # per side: a side thinner than this is quoted before anything else, so no side is ever empty for long
# The seeded history: a trade every `step` seconds while older than `age`, so that every interval's chart (at most 120
# candles: 2 hours of 1m, 10 of 5m, 5 days of 1h, 120 days of 1d) starts full, with a few trades in each candle.
HISTORY = ((timedelta(hours=2), 15), (timedelta(hours=10), 60), (timedelta(days=5), 600), (timedelta(days=120), 3600))
DAILY_VOLATILITY = 0.03  # of the seeded price walk
TAKEN_PER_SECOND = Decimal("0.18")  # 12% of 3 orders a second take about half a quote's size
# What each demo trader is topped up to at start (deposits in the ledger, like any operator's).
DEMO_FUNDS = (("BTC", Decimal(100)), ("ETH", Decimal(2000)), ("USD", Decimal(10_000_000)))


async def demo_trader_ids(accounts: Accounts) -> list[int]:
    """The demo traders' ids, registered on first use (random passwords: nobody signs in as them), and funded."""
    ids = []
    for username in DEMO_TRADERS:
        try:
            created = await accounts.register(TraderCreate(username=username, password=random.randbytes(16).hex()))
            ids.append(created.id)
        except Conflict:
            trader = await accounts.by_username(username)
            assert trader is not None and trader.id is not None
            ids.append(trader.id)
    for trader_id in ids:
        await accounts.top_up(trader_id, DEMO_FUNDS)
    return ids


async def simulate(exchange: Exchange, accounts: Accounts, feed: MarketFeed, *, seed: int | None = None) -> None:
    """Run forever: one task per market."""
    rng = random.Random(seed)
    *makers, taker = await demo_trader_ids(accounts)
    now = datetime.now(UTC)
    for rules in exchange.markets:
        start = START_PRICES.get(rules.symbol, Decimal(100))
        seeded = await asyncio.to_thread(seed_history, exchange.database, rules, start, now, rng)
        if seeded:
            log.info("demo: seeded %d past trades on %s", seeded, rules.symbol)
    await asyncio.gather(*(_market(exchange, feed, rules, makers, taker, rng) for rules in exchange.markets))


async def _market(
    exchange: Exchange, feed: MarketFeed, rules: MarketRules, makers: list[int], taker: int, rng: random.Random
) -> None:
    mid = START_PRICES.get(rules.symbol, Decimal(100))
    state = await feed.state(rules.symbol)
    if state.stats.last is not None:
        mid = state.stats.last
    resting: list[tuple[int, int]] = []  # (trader, order id), oldest first
    while True:
        try:
            await _keep_both_sides_quoted(exchange, feed, rules, makers, mid, rng, resting)
        except ServiceError as error:
            log.debug("demo order refused: %s", error)
        await asyncio.sleep(rng.expovariate(ORDERS_PER_SECOND))
        mid = max(rules.tick_size * 100, mid * Decimal(1 + rng.gauss(0, 0.0004)))
        try:
            if rng.random() < 0.12:
                await _take(exchange, feed, rules, taker, rng)
            else:
                await _quote(exchange, rules, makers, mid, rng, resting)
            while len(resting) > MAX_RESTING:
                trader_id, order_id = resting.pop(0)
                with contextlib.suppress(ServiceError):  # already filled or cancelled
                    await exchange.commands.cancel_order(trader_id=trader_id, order_id=order_id)
        except ServiceError as error:
            log.debug("demo order refused: %s", error)


async def _keep_both_sides_quoted(
    exchange: Exchange,
    feed: MarketFeed,
    rules: MarketRules,
    makers: list[int],
    mid: Decimal,
    rng: random.Random,
    resting: list[tuple[int, int]],
) -> None:
    """Quote each side thinner than MIN_LEVELS up to it: a taker or the oldest orders' cancels may have thinned it."""
    book = (await feed.state(rules.symbol)).book
    missing = {Side.BUY: MIN_LEVELS - len(book.bids), Side.SELL: MIN_LEVELS - len(book.asks)}
    while any(count > 0 for count in missing.values()):
        for side in (Side.BUY, Side.SELL):  # in turns: an empty book gets both sides at once, not one after the other
            if missing[side] > 0:
                missing[side] -= 1
                await _quote(exchange, rules, makers, mid, rng, resting, side=side)


async def _quote(
    exchange: Exchange,
    rules: MarketRules,
    makers: list[int],
    mid: Decimal,
    rng: random.Random,
    resting: list[tuple[int, int]],
    side: Side | None = None,
) -> None:
    side = side or rng.choice((Side.BUY, Side.SELL))
    offset = Decimal(abs(rng.gauss(0, 0.0015)) + 0.0001) * mid
    price = mid - offset if side == Side.BUY else mid + offset
    price = price.quantize(rules.tick_size)
    quantity = (Decimal(rng.uniform(0.02, 1.5)) * 100 / mid * 20).quantize(rules.lot_size)
    quantity = max(quantity, rules.lot_size * 10)
    trader_id = rng.choice(makers)
    order_in = OrderCreate(symbol=rules.symbol, side=side, price=price, quantity=quantity)  # type: ignore[arg-type]
    order, _ = await exchange.commands.place_order(trader_id=trader_id, order_in=order_in)
    if order.status in RESTING_STATUSES:
        resting.append((trader_id, order.id))


async def _take(exchange: Exchange, feed: MarketFeed, rules: MarketRules, taker: int, rng: random.Random) -> None:
    state = await feed.state(rules.symbol)
    book = state.book.asks if rng.random() < 0.5 else state.book.bids
    if not book:
        return
    side = Side.BUY if book is state.book.asks else Side.SELL
    quantity = rules.quantity_of(max(1, book[0][1] // 2))
    order_in = OrderCreate(symbol=rules.symbol, side=side, type=OrderType.MARKET, quantity=quantity)  # type: ignore[arg-type]
    await exchange.commands.place_order(trader_id=taker, order_in=order_in)


def seed_history(database: Database, rules: MarketRules, end_price: Decimal, now: datetime, rng: random.Random) -> int:
    """On a market with no trades yet, trades in the past that end near `end_price`: a random walk back from it.

    Market history only: the trades belong to no order (order ids 0) and move no money. Done in one transaction
    with the market locked, as its writer locks it, and only while the market has no trade: instances starting
    together on one database, or a restart, seed it once. Returns the number of trades written (0: none).
    """
    rows = _history(rules, end_price, now, rng)
    with database.write() as session:
        sequence = lock_market(session, rules.id).sequence
        if session.execute(select(exists().where(Trade.market_id == rules.id))).scalar():  # type: ignore[arg-type]
            return 0
        session.execute(insert(Trade), [{**row, "market_id": rules.id, "sequence": sequence} for row in rows])
    return len(rows)


def _history(rules: MarketRules, end_price: Decimal, now: datetime, rng: random.Random) -> list[dict]:
    """The past trades, oldest first: prices on the tick, quantities on the lot, exact Decimals."""
    trades: list[dict] = []
    price, age, per_second = end_price, timedelta(0), DAILY_VOLATILITY / math.sqrt(86400)
    for older_than, step in HISTORY:
        while age < older_than:
            age += timedelta(seconds=step)
            price = max(rules.tick_size * 100, price * Decimal(1 + rng.gauss(0, per_second * math.sqrt(step))))
            # About what the simulator's takers trade in `step` seconds, so that old volume bars look like new ones.
            size = Decimal(rng.uniform(0.02, 1.5)) * 2000 / price * TAKEN_PER_SECOND * step
            quantity = min(rules.max_quantity, max(rules.lot_size, size.quantize(rules.lot_size)))
            trades.append(
                {
                    "price": price.quantize(rules.tick_size),
                    "quantity": quantity,
                    "taker_side": rng.choice((Side.BUY, Side.SELL)).value,
                    "taker_order_id": 0,
                    "maker_order_id": 0,
                    "created_at": now - age,
                }
            )
    return trades[::-1]
