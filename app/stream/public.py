"""The public channels, registered with the channel registry: book, trades, ticker and candles of one market each."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.stream.channels import Params, register_channel
from app.stream.market_channels import INTERVALS, candle_params
from app.stream.market_hub import DEFAULT_DEPTH, MAX_DEPTH, MarketHub, book_params, hub_of

if TYPE_CHECKING:
    from app.stream.connection import StreamConnection

PRICE = {"type": "string", "description": "a decimal price, at the market's tick", "examples": ["30490.11"]}
SIZE = {"type": "string", "description": "a decimal quantity, at the market's lot", "examples": ["0.0100"]}
LEVELS = {"type": "array", "items": {"type": "array", "prefixItems": [PRICE, SIZE]}, "description": "best first"}
CHANGES = {
    "type": "object",
    "additionalProperties": {"oneOf": [SIZE, {"type": "null"}]},
    "description": "price -> new size, or null when the level is gone",
}
SEQUENCE = {"type": "integer", "description": "the market's sequence, as GET /api/markets/{symbol}/book reports it"}
CHECKSUM = {"type": "integer", "description": "CRC32 of the top 10 levels a side (docs/streaming.md)"}
TIME = {"type": "string", "format": "date-time"}


def _hub(conn: "StreamConnection", market: str | None) -> MarketHub:
    assert market is not None
    return hub_of(conn.services).markets[market]


async def _book(conn: "StreamConnection", market: str | None, params: Params) -> Callable[[], None]:
    return _hub(conn, market).book_group(params["depth"]).join(conn)


async def _trades(conn: "StreamConnection", market: str | None, _params: Params) -> Callable[[], None]:
    return await _hub(conn, market).channels.join_trades(conn)


async def _ticker(conn: "StreamConnection", market: str | None, _params: Params) -> Callable[[], None]:
    return await _hub(conn, market).channels.join_ticker(conn)


async def _candles(conn: "StreamConnection", market: str | None, params: Params) -> Callable[[], None]:
    return await _hub(conn, market).channels.join_candles(conn, params["interval"])


register_channel(
    "book",
    private=False,
    start=_book,
    parse=book_params,
    summary="The market's book: a snapshot, then updates with only the levels that changed, each checksummed.",
    params={"depth": {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": DEFAULT_DEPTH}},
    messages={
        "bookSnapshot": {
            "channel": {"const": "book"},
            "market": {"type": "string"},
            "type": {"const": "snapshot"},
            "depth": {"type": "integer"},
            "sequence": SEQUENCE,
            "checksum": CHECKSUM,
            "asks": LEVELS,
            "bids": LEVELS,
        },
        "bookUpdate": {
            "channel": {"const": "book"},
            "market": {"type": "string"},
            "type": {"const": "update"},
            "from": {"type": "integer", "description": "the sequence this update applies on"},
            "sequence": SEQUENCE,
            "checksum": CHECKSUM,
            "asks": CHANGES,
            "bids": CHANGES,
        },
    },
)
TRADE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "price": PRICE,
        "quantity": SIZE,
        "side": {"enum": ["buy", "sell"], "description": "the taker's side"},
        "time": TIME,
    },
}
register_channel(
    "trades",
    private=False,
    start=_trades,
    summary="The market's trades: the latest 50 first, then each new trade, oldest first.",
    messages={
        "trades": {
            "channel": {"const": "trades"},
            "market": {"type": "string"},
            "type": {"enum": ["snapshot", "update"]},
            "trades": {"type": "array", "items": TRADE},
        }
    },
)
NULLABLE_PRICE = {"oneOf": [PRICE, {"type": "null"}]}
register_channel(
    "ticker",
    private=False,
    start=_ticker,
    summary="Last price, best bid and ask, and the 24 h change, high, low and volume, whenever one of them changes.",
    messages={
        "ticker": {
            "channel": {"const": "ticker"},
            "market": {"type": "string"},
            "last": NULLABLE_PRICE,
            "bid": NULLABLE_PRICE,
            "ask": NULLABLE_PRICE,
            "change": NULLABLE_PRICE,
            "high": NULLABLE_PRICE,
            "low": NULLABLE_PRICE,
            "volume": SIZE,
        }
    },
)
register_channel(
    "candles",
    private=False,
    start=_candles,
    parse=candle_params,
    summary="The open candle of an interval whenever it changes; its last update carries closed: true.",
    params={"interval": {"enum": list(INTERVALS)}},
    messages={
        "candle": {
            "channel": {"const": "candles"},
            "market": {"type": "string"},
            "interval": {"enum": list(INTERVALS)},
            "open_time": TIME,
            "close_time": TIME,
            "open": PRICE,
            "high": PRICE,
            "low": PRICE,
            "close": PRICE,
            "volume": SIZE,
            "closed": {"type": "boolean"},
        }
    },
)
