"""The private channels registered with the stream: `orders`, `fills` and `balances`, after `auth`, with no market."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.services import Services
from app.stream.channels import Params, register_channel
from app.stream.private import Channel, PrivateFeed

if TYPE_CHECKING:
    from app.stream.connection import StreamConnection

_feed: list[tuple[Services, PrivateFeed]] = []  # the running services' feed (a new one when the services are remade)


def feed_of(services: Services) -> PrivateFeed:
    """The process's private feed, made at the first private subscription."""
    if _feed and _feed[0][0] is services:
        return _feed[0][1]
    if _feed:
        _feed.pop()[1].close()
    feed = PrivateFeed(services.exchange, services.ledger)
    _feed.append((services, feed))
    return feed


def _starter(channel: Channel) -> Callable[["StreamConnection", str | None, Params], Any]:
    async def start(conn: "StreamConnection", _market: str | None, _params: Params) -> Callable[[], None]:
        assert conn.trader is not None  # the channel registry refuses a private channel before auth
        return feed_of(conn.services).subscribe(channel, conn.trader, conn.put)

    return start


ORDER = {"type": "object", "description": "the order as GET /api/orders/{id} shows it"}
register_channel(
    "orders",
    private=True,
    start=_starter("orders"),
    summary="Every change of the trader's orders in any market, each as the REST order JSON, after its batch commits.",
    messages={
        "order": {
            "type": "object",
            "properties": {
                "channel": {"const": "orders"},
                "market": {"type": "string"},
                "sequence": {"type": "integer", "description": "the market's sequence the change is read up to"},
                "order": ORDER,
            },
        }
    },
)
register_channel(
    "fills",
    private=True,
    start=_starter("fills"),
    summary="Each fill of the trader's orders: order and trade ids, market, side, price, quantity, fee, maker/taker.",
    messages={
        "fill": {
            "type": "object",
            "properties": {
                "channel": {"const": "fills"},
                "market": {"type": "string"},
                "sequence": {"type": "integer"},
                "fill": {
                    "type": "object",
                    "properties": {
                        "order_id": {"type": "integer"},
                        "trade_id": {"type": "integer"},
                        "market": {"type": "string"},
                        "side": {"enum": ["buy", "sell"]},
                        "price": {"type": "string"},
                        "quantity": {"type": "string"},
                        "fee": {"type": "string"},
                        "fee_asset": {"type": "string"},
                        "liquidity": {"enum": ["maker", "taker"]},
                        "time": {"type": "string", "format": "date-time"},
                    },
                },
            },
        }
    },
)
register_channel(
    "balances",
    private=True,
    start=_starter("balances"),
    summary="The trader's balances as GET /api/balances: every row first (snapshot), then the rows that changed.",
    messages={
        "balances": {
            "type": "object",
            "properties": {
                "channel": {"const": "balances"},
                "type": {"enum": ["snapshot", "update"]},
                "balances": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "asset": {"type": "string"},
                            "available": {"type": "string"},
                            "held": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
)
