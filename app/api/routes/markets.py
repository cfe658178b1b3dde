"""Markets, their books and their trades: public, no API key needed."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import ExchangeDep
from app.api.routes.responses import UNAVAILABLE, Responses, error
from app.store.candles import Interval
from models import BookPublic, CandlePublic, MarketPublic, TradePublic

router = APIRouter(prefix="/markets", tags=["markets"])

Symbol = Annotated[str, Path(examples=["BTC-USD"])]
NOT_FOUND: Responses = {404: error("Unknown market"), **UNAVAILABLE}


@router.get("", responses=UNAVAILABLE)
async def list_markets(exchange: ExchangeDep) -> list[MarketPublic]:
    """Every market with its tick, lot and bounds."""
    return [rules.public() for rules in exchange.markets]


@router.get("/{symbol}/book", responses=NOT_FOUND)
async def read_book(
    exchange: ExchangeDep, symbol: Symbol, depth: Annotated[int, Query(ge=1, le=500)] = 50
) -> BookPublic:
    """The book to `depth` levels a side, best first, at the sequence it was read."""
    return await exchange.reads.book(symbol, depth)


@router.get("/{symbol}/trades", responses=NOT_FOUND)
async def read_trades(
    exchange: ExchangeDep, symbol: Symbol, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[TradePublic]:
    """The market's latest trades, newest first."""
    return await exchange.reads.trades(symbol, limit)


@router.get("/{symbol}/candles", responses=NOT_FOUND)
async def read_candles(
    exchange: ExchangeDep,
    symbol: Symbol,
    interval: Annotated[Interval, Query(description="1m, 5m, 1h or 1d")] = "1m",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CandlePublic]:
    """The latest `limit` OHLCV candles from the market's trades, oldest first; the last one is still open.

    An interval with no trade repeats the last close with zero volume; intervals before the market's first trade are
    left out.
    """
    return await exchange.reads.candles(symbol, interval, limit)
