"""The market simulator behind `--demo`: a few demo traders quoting around a random-walk mid, so books look alive."""

import asyncio
import contextlib
import logging
import random
from decimal import Decimal

from app.accounts.service import Accounts
from app.domain.rules import MarketRules
from app.errors import Conflict, ServiceError
from app.exchange.service import Exchange
from app.feed.market_data import MarketFeed
from models import OrderCreate, TraderCreate
from models.enums import RESTING_STATUSES, OrderType, Side

log = logging.getLogger(__name__)

DEMO_TRADERS = ("demo-maker-1", "demo-maker-2", "demo-taker")
START_PRICES = {"BTC-USD": Decimal("65000"), "ETH-USD": Decimal("3200")}
ORDERS_PER_SECOND = 3  # per market
MAX_RESTING = 40  # per market: the oldest demo orders are cancelled past this
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


async def _quote(
    exchange: Exchange,
    rules: MarketRules,
    makers: list[int],
    mid: Decimal,
    rng: random.Random,
    resting: list[tuple[int, int]],
) -> None:
    side = rng.choice((Side.BUY, Side.SELL))
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
