"""The process's markets: their writers and rules, and the two ways in: a command to a writer, a read in a thread."""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.domain.rules import MarketRules
from app.errors import InvalidInput, NotFound, Unavailable
from app.exchange.commands import Command, Sync
from app.exchange.writer import MarketWriter
from app.store import writes
from app.store.db import Database

T = TypeVar("T")


class MarketRegistry:
    """Shared by the exchange's commands, reads and life cycle; the writers are added as the exchange starts."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.writers: dict[str, MarketWriter] = {}
        self.rules_by_id: dict[int, MarketRules] = {}

    def add(self, writer: MarketWriter) -> None:
        self.writers[writer.rules.symbol] = writer
        self.rules_by_id[writer.rules.id] = writer.rules

    @property
    def markets(self) -> list[MarketRules]:
        return [writer.rules for writer in self.writers.values()]

    def rules(self, symbol: str, field: str | None = None) -> MarketRules:
        """A market's rules; an unknown one is a 422 naming `field` when the symbol came in a body, else a 404."""
        writer = self.writers.get(symbol)
        if writer is None:
            if field is not None:
                raise InvalidInput(field, f"unknown market {symbol!r}; markets: {', '.join(self.writers)}")
            raise NotFound(f"market {symbol!r} not found")
        return writer.rules

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run read work in a worker thread: never on the event loop."""

        def in_thread() -> T:
            with self.database.read() as session:
                return work(session)

        try:
            return await asyncio.to_thread(in_thread)
        except OperationalError as error:  # the database restarting or away: a 503 to retry, for routes and pages
            raise Unavailable("the database is not reachable; retry in a moment") from error

    async def submit(self, symbol: str, make: Callable[[asyncio.Future], Command]) -> Any:
        """Queue a command to the market's writer; its answer once the batch that carried it has committed."""
        future = asyncio.get_running_loop().create_future()
        return await self.writers[symbol].submit(make(future))

    async def sync(self, symbol: str) -> int:
        """Bring the market's cached book up to the stored sequence; returns it."""
        return await self.submit(symbol, lambda future: Sync(trader_id=0, future=future))

    async def market_of_order(self, trader_id: int, order_id: int) -> str:
        """The symbol of one of the trader's orders, or NotFound."""
        # A resting order is in its market's book (an order never changes market, so a stale book still answers
        # right); the database knows the rest, and whether the order exists at all.
        for symbol, writer in self.writers.items():
            resting = writer.market.book.get(order_id)
            if resting is not None and resting.trader_id == trader_id:
                return symbol
        order = await self.run(lambda session: writes.find_order(session, trader_id, order_id))
        if order is None:
            raise NotFound(f"order {order_id} not found")
        return self.rules_by_id[order.market_id].symbol
