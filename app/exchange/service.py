"""The exchange service: validates requests, routes them to each market's writer, and serves the reads."""

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.domain.results import OrderResult
from app.domain.rules import MarketRules, asset_places
from app.errors import InvalidInput, NotFound, Unavailable
from app.exchange.commands import (
    BookSnapshot,
    CancelAll,
    CancelOrder,
    Command,
    PlaceOrder,
    ReduceOrder,
    ReplaceOrder,
    Sync,
)
from app.exchange.present import levels_public, order_public, trade_public
from app.exchange.writer import ChangeListener, MarketWriter
from app.feed.listener import ChangeWatcher, Funds
from app.feed.market_data import MarketFeedData, MarketState
from app.observability.metrics import CHANGE_NOTIFICATIONS, observe_place_order
from app.store import candles as candle_store
from app.store import queries, writes
from app.store.db import Database
from models import BalancePublic, BookPublic, CandlePublic, Market, OrderAmend, OrderCreate, OrderPublic, TradePublic
from models.clock import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


class Exchange:
    """All markets of one process. The database is the source of truth; each writer's book is its cache."""

    def __init__(self, database: Database, *, max_resting_per_trader: int = 1000, journal_keep: int = 20000) -> None:
        self.database = database
        self.max_resting_per_trader = max_resting_per_trader
        self.journal_keep = journal_keep
        self.writers: dict[str, MarketWriter] = {}
        self.feed_data: dict[str, MarketFeedData] = {}
        self.rules_by_id: dict[int, MarketRules] = {}
        self.listeners: list[ChangeListener] = []
        self.watcher: ChangeWatcher | None = None
        self._syncing: dict[str, asyncio.Task] = {}  # markets being caught up after a notification
        self._announced: dict[str, int] = {}  # the newest sequence announced for each market

    # --- life cycle -------------------------------------------------------------------------------------------

    async def start(self, *, watch_interval: float = 1.0, funds: Funds | None = None) -> None:
        """Load the markets, rebuild every book, start the writers and the watch (`watch_interval`: safety poll, s).

        `funds` follows deposits on the same watch (app/accounts/ledger_feed.py).
        """
        markets = await self.run(lambda session: list(session.exec(select(Market).order_by(col(Market.id))).all()))
        for market in markets:
            rules = MarketRules.of(market)
            self.rules_by_id[rules.id] = rules
            writer = MarketWriter(
                rules,
                self.database,
                self._publish,
                max_resting_per_trader=self.max_resting_per_trader,
                journal_keep=self.journal_keep,
            )
            self.writers[rules.symbol] = writer
            self.feed_data[rules.symbol] = MarketFeedData(writer, self.database)
            writer.start()
        await asyncio.gather(*(self.sync(symbol) for symbol in self.writers))
        if watch_interval > 0:
            self.watcher = ChangeWatcher(
                self.database, self._notified, self.catch_up, poll_interval=watch_interval, funds=funds
            )
            self.watcher.start()

    async def stop(self) -> None:
        if self.watcher is not None:
            await self.watcher.stop()
            self.watcher = None
        syncing = list(self._syncing.values())
        for task in syncing:
            task.cancel()
        await asyncio.gather(*syncing, return_exceptions=True)
        await asyncio.gather(*(writer.stop() for writer in self.writers.values()))

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener(symbol, sequence, traders)` after every committed change; returns the unsubscribe function."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def _publish(self, symbol: str, sequence: int, traders: frozenset[int] | None) -> None:
        for listener in list(self.listeners):
            try:
                listener(symbol, sequence, traders)
            except Exception:
                log.exception("change listener failed")

    async def catch_up(self) -> None:
        """Bring every book that is behind up to its stored sequence: one tiny query, then a sync where needed."""
        stored = await self.run(writes.stored_sequences)
        for market_id, sequence in stored.items():
            rules = self.rules_by_id.get(market_id)
            if rules is not None and self.writers[rules.symbol].sequence != sequence:
                await self.sync(rules.symbol)

    def _notified(self, symbol: str, sequence: int) -> None:
        """Another process announced a batch: catch up from the journal (one sync at a time per market)."""
        writer = self.writers.get(symbol)
        if writer is None or writer.sequence >= sequence:
            return  # our own batch, or one we already have
        CHANGE_NOTIFICATIONS.inc()
        self._announced[symbol] = max(sequence, self._announced.get(symbol, -1))
        if symbol not in self._syncing:
            self._syncing[symbol] = asyncio.create_task(self._sync_announced(symbol), name=f"catch up {symbol}")

    async def _sync_announced(self, symbol: str) -> None:
        try:
            # Announcements arriving meanwhile are covered by the next round: a burst costs a few syncs, not one each.
            while self.writers[symbol].sequence < self._announced[symbol]:
                await self.sync(symbol)
        except Exception as error:
            log.warning("%s: catching up after a notification failed: %s", symbol, error)
        finally:
            del self._syncing[symbol]

    # --- helpers ----------------------------------------------------------------------------------------------

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run read work in a worker thread: never on the event loop."""

        def in_thread() -> T:
            with self.database.read() as session:
                return work(session)

        try:
            return await asyncio.to_thread(in_thread)
        except OperationalError as error:  # the database restarting or away: a 503 to retry, for routes and pages
            raise Unavailable("the database is not reachable; retry in a moment") from error

    def rules(self, symbol: str, field: str | None = None) -> MarketRules:
        writer = self.writers.get(symbol)
        if writer is None:
            if field is not None:
                raise InvalidInput(field, f"unknown market {symbol!r}; markets: {', '.join(self.writers)}")
            raise NotFound(f"market {symbol!r} not found")
        return writer.rules

    def _public(self, result: OrderResult) -> OrderPublic:
        return order_public(result, self.rules_by_id[result.market_id])

    @property
    def markets(self) -> list[MarketRules]:
        return [writer.rules for writer in self.writers.values()]

    async def _submit(self, symbol: str, make: Callable[[asyncio.Future], Command]) -> Any:
        future = asyncio.get_running_loop().create_future()
        return await self.writers[symbol].submit(make(future))

    async def _market_of_order(self, trader_id: int, order_id: int) -> str:
        # A resting order is in its market's book (an order never changes market, so a stale book still answers
        # right); the database knows the rest, and whether the order exists at all.
        for symbol, writer in self.writers.items():
            resting = writer.book.get(order_id)
            if resting is not None and resting.trader_id == trader_id:
                return symbol
        order = await self.run(lambda session: writes.find_order(session, trader_id, order_id))
        if order is None:
            raise NotFound(f"order {order_id} not found")
        return self.rules_by_id[order.market_id].symbol

    # --- writes -----------------------------------------------------------------------------------------------

    @observe_place_order
    async def place_order(self, *, trader_id: int, order_in: OrderCreate) -> tuple[OrderPublic, bool]:
        """Validate, match and commit an order; (the order after matching, whether it is new)."""
        rules = self.rules(order_in.symbol, field="symbol")
        price = validate_order(rules, order_in)
        quantity = rules.check_quantity(order_in.quantity)
        result, created = await self._submit(
            rules.symbol,
            lambda future: PlaceOrder(
                trader_id=trader_id,
                future=future,
                side=order_in.side,
                type=order_in.type,
                price=price,
                quantity=quantity,
                time_in_force=order_in.time_in_force,
                post_only=order_in.post_only,
                client_order_id=order_in.client_order_id,
            ),
        )
        return order_public(result, rules), created

    async def cancel_order(self, *, trader_id: int, order_id: int) -> OrderPublic:
        symbol = await self._market_of_order(trader_id, order_id)
        result = await self._submit(
            symbol, lambda future: CancelOrder(trader_id=trader_id, future=future, order_id=order_id)
        )
        return self._public(result)

    async def cancel_all(self, *, trader_id: int, symbol: str | None = None) -> list[OrderPublic]:
        symbols = [self.rules(symbol, field="symbol").symbol] if symbol else list(self.writers)
        cancelled: list[OrderPublic] = []
        for market in symbols:
            results = await self._submit(market, lambda future: CancelAll(trader_id=trader_id, future=future))
            cancelled += [self._public(result) for result in results]
        return cancelled

    async def amend_order(self, *, trader_id: int, order_id: int, amend: OrderAmend) -> OrderPublic:
        """Reduce a resting order in place (keeps its priority) or, given a price, cancel-replace it (a new order)."""
        if amend.price is None:
            return await self.reduce_order(trader_id=trader_id, order_id=order_id, amend=amend)
        symbol = await self._market_of_order(trader_id, order_id)
        rules = self.writers[symbol].rules
        price = rules.check_price(amend.price)
        quantity = None if amend.quantity is None else rules.check_quantity(amend.quantity)
        result, _ = await self._submit(
            symbol,
            lambda future: ReplaceOrder(
                trader_id=trader_id, future=future, order_id=order_id, price=price, quantity=quantity
            ),
        )
        return self._public(result)

    async def reduce_order(self, *, trader_id: int, order_id: int, amend: OrderAmend) -> OrderPublic:
        if amend.quantity is None:
            raise InvalidInput("quantity", "is required to reduce an order (or give a new price)")
        symbol = await self._market_of_order(trader_id, order_id)
        quantity = self.writers[symbol].rules.check_quantity(amend.quantity)
        result = await self._submit(
            symbol,
            lambda future: ReduceOrder(trader_id=trader_id, future=future, order_id=order_id, quantity=quantity),
        )
        return self._public(result)

    async def sync(self, symbol: str) -> int:
        """Bring the market's cached book up to the stored sequence; returns it."""
        return await self._submit(symbol, lambda future: Sync(trader_id=0, future=future))

    # --- reads ------------------------------------------------------------------------------------------------

    async def snapshot(self, symbol: str, *, fresh: bool = True) -> BookSnapshot:
        """The book at its latest sequence; `fresh` first checks the database for other processes' changes."""
        writer = self.writers.get(symbol)
        if writer is None:
            raise NotFound(f"market {symbol!r} not found")
        if fresh:
            rules = writer.rules
            stored = await self.run(lambda session: writes.stored_sequences(session)[rules.id])
            if stored != writer.snapshot.sequence:
                await self.sync(symbol)
        return writer.snapshot

    async def market_state(self, symbol: str) -> MarketState:
        """What a market page shows, at the latest sequence this process knows (shared by every page)."""
        data = self.feed_data.get(symbol)
        if data is None:
            raise NotFound(f"market {symbol!r} not found")
        return await data.current()

    def market_state_stale(self, symbol: str) -> bool:
        """Whether a page showing the last market state is behind: free to ask, for the pages' fallback timers."""
        return self.feed_data[symbol].stale

    async def book(self, symbol: str, depth: int) -> BookPublic:
        snapshot = await self.snapshot(symbol)
        rules = self.writers[symbol].rules
        return BookPublic(
            symbol=symbol,
            sequence=snapshot.sequence,
            bids=levels_public(snapshot.bids[:depth], rules),
            asks=levels_public(snapshot.asks[:depth], rules),
        )

    async def trades(self, symbol: str, limit: int) -> list[TradePublic]:
        rules = self.rules(symbol)
        trades = await self.run(lambda session: queries.recent_trades(session, rules, limit))
        return [trade_public(trade, rules) for trade in trades]

    async def candles(self, symbol: str, interval: candle_store.Interval, limit: int) -> list[CandlePublic]:
        rules = self.rules(symbol)
        now = utcnow()
        return await self.run(lambda session: candle_store.candles(session, rules, interval, limit, now))

    async def live_candles(
        self, symbol: str, interval: candle_store.Interval, limit: int
    ) -> tuple[list[CandlePublic], int]:
        """Candles for a page that keeps them live, and the id of the newest trade they count."""
        rules = self.rules(symbol)
        now = utcnow()
        return await self.run(lambda session: candle_store.candles_and_last_trade(session, rules, interval, limit, now))

    async def orders(
        self, *, trader_id: int, status: queries.StatusFilter = "open", symbol: str | None = None, limit: int = 100
    ) -> list[OrderPublic]:
        market_id = self.rules(symbol, field="symbol").id if symbol else None
        results = await self.run(
            lambda session: queries.trader_orders(
                session, trader_id=trader_id, status=status, market_id=market_id, limit=limit
            )
        )
        return [self._public(result) for result in results]

    async def balances(self, trader_id: int) -> list[BalancePublic]:
        """The trader's available and held amount of every asset of the markets (a worker thread)."""
        places = asset_places(self.markets)
        found = await self.run(lambda session: writes.lock_balances(session, [trader_id], places, lock=False))
        stored = {asset: (available, held) for _, asset, available, held in found}
        zero = (Decimal(0), Decimal(0))
        return [
            BalancePublic(
                asset=asset,
                available=f"{stored.get(asset, zero)[0]:.{decimals}f}",
                held=f"{stored.get(asset, zero)[1]:.{decimals}f}",
            )
            for asset, decimals in places.items()
        ]

    async def order(self, *, trader_id: int, order_id: int) -> OrderPublic:
        found = await self.run(lambda session: queries.trader_order(session, trader_id=trader_id, order_id=order_id))
        if found is None:
            raise NotFound(f"order {order_id} not found")
        return self._public(found)


def validate_order(rules: MarketRules, order_in: OrderCreate) -> int | None:
    """Check an order against its market's rules; its limit price in ticks (None for a market order)."""
    if order_in.type == "market":
        if order_in.price is not None:
            raise InvalidInput("price", "must be omitted for a market order")
        if order_in.post_only:
            raise InvalidInput("post_only", "a market order always takes liquidity; post_only needs a limit order")
        return None
    if order_in.price is None:
        raise InvalidInput("price", "is required for a limit order")
    if order_in.post_only and order_in.time_in_force != "GTC":
        raise InvalidInput("post_only", f"needs time_in_force GTC, not {order_in.time_in_force}")
    price = rules.check_price(order_in.price)
    rules.check_quantity(order_in.quantity)
    rules.check_notional(order_in.price, order_in.quantity)
    return price
