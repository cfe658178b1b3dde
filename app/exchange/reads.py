"""The exchange's reads: books from the writers' snapshots, the rest from the database in a worker thread."""

from collections.abc import Iterable
from decimal import Decimal

from app.domain.rules import asset_places
from app.errors import NotFound
from app.exchange.commands import BookSnapshot
from app.exchange.present import levels_public, order_public, trade_public
from app.exchange.registry import MarketRegistry
from app.store import candles as candle_store
from app.store import queries, writes
from models import BalancePublic, BookPublic, CandlePublic, OrderPublic, TradePublic
from models.clock import utcnow


class MarketReads:
    """Nothing here changes anything; every answer is in the API's public shapes."""

    def __init__(self, registry: MarketRegistry) -> None:
        self.registry = registry

    async def snapshot(self, symbol: str, *, fresh: bool = True) -> BookSnapshot:
        """The book at its latest sequence; `fresh` first checks the database for other processes' changes."""
        writer = self.registry.writers.get(symbol)
        if writer is None:
            raise NotFound(f"market {symbol!r} not found")
        if fresh:
            rules = writer.rules
            stored = await self.registry.run(lambda session: writes.stored_sequences(session)[rules.id])
            if stored != writer.snapshot.sequence:
                await self.registry.sync(symbol)
        return writer.snapshot

    async def book(self, symbol: str, depth: int) -> BookPublic:
        snapshot = await self.snapshot(symbol)
        rules = self.registry.writers[symbol].rules
        return BookPublic(
            symbol=symbol,
            sequence=snapshot.sequence,
            bids=levels_public(snapshot.bids[:depth], rules),
            asks=levels_public(snapshot.asks[:depth], rules),
        )

    async def trades(self, symbol: str, limit: int) -> list[TradePublic]:
        rules = self.registry.rules(symbol)
        trades = await self.registry.run(lambda session: queries.recent_trades(session, rules, limit))
        return [trade_public(trade, rules) for trade in trades]

    async def candles(self, symbol: str, interval: candle_store.Interval, limit: int) -> list[CandlePublic]:
        rules = self.registry.rules(symbol)
        now = utcnow()
        return await self.registry.run(lambda session: candle_store.candles(session, rules, interval, limit, now))

    async def live_candles(
        self, symbol: str, interval: candle_store.Interval, limit: int
    ) -> tuple[list[CandlePublic], int]:
        """Candles for a page that keeps them live, and the id of the newest trade they count."""
        rules = self.registry.rules(symbol)
        now = utcnow()
        return await self.registry.run(
            lambda session: candle_store.candles_and_last_trade(session, rules, interval, limit, now)
        )

    async def orders(
        self,
        *,
        trader_id: int,
        status: queries.StatusFilter = "open",
        symbol: str | None = None,
        limit: int = 100,
        newest: queries.Newest = "placed",
    ) -> list[OrderPublic]:
        """The trader's orders, newest first (placed, or last changed): `open` = resting, `closed` = everything else."""
        registry = self.registry
        market_id = registry.rules(symbol, field="symbol").id if symbol else None
        results = await registry.run(
            lambda session: queries.trader_orders(
                session, trader_id=trader_id, status=status, market_id=market_id, limit=limit, newest=newest
            )
        )
        return [order_public(result, registry.rules_by_id[result.market_id]) for result in results]

    async def order(self, *, trader_id: int, order_id: int) -> OrderPublic:
        registry = self.registry
        found = await registry.run(
            lambda session: queries.trader_order(session, trader_id=trader_id, order_id=order_id)
        )
        if found is None:
            raise NotFound(f"order {order_id} not found")
        return order_public(found, registry.rules_by_id[found.market_id])

    async def balances(self, trader_id: int) -> list[BalancePublic]:
        """The trader's available and held amount of every asset of the markets."""
        places = asset_places(self.registry.markets)
        found = await self.registry.run(lambda session: writes.lock_balances(session, [trader_id], places, lock=False))
        return balances_public([trader_id], found, places)[trader_id]


def balances_public(
    trader_ids: Iterable[int], found: list[tuple[int, str, Decimal, Decimal]], places: dict[str, int]
) -> dict[int, list[BalancePublic]]:
    """Each trader's balances from `found` (trader, asset, available, held) as the API shows them: one row per asset
    of the markets (`places`: the decimals of each), what is not stored shown as zero."""
    stored: dict[int, dict[str, tuple[Decimal, Decimal]]] = {trader_id: {} for trader_id in trader_ids}
    for trader_id, asset, available, held in found:
        stored.setdefault(trader_id, {})[asset] = (available, held)
    zero = (Decimal(0), Decimal(0))
    return {
        trader_id: [
            BalancePublic(
                asset=asset,
                available=f"{assets.get(asset, zero)[0]:.{decimals}f}",
                held=f"{assets.get(asset, zero)[1]:.{decimals}f}",
            )
            for asset, decimals in places.items()
        ]
        for trader_id, assets in stored.items()
    }
