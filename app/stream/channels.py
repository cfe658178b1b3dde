"""Channels a client subscribes to: a registry by name, and the `subscribe` and `unsubscribe` ops.

A channel is public (`book`, `trades`, `ticker`, `candles`: one market each) or private (the trader's own updates, no
market; refused with 401 before `auth`). Its `parse` reads and checks the frame's own parameters (raising a
ServiceError that names the field), then the subscription is acknowledged, then its `start` sends whatever comes
first (a snapshot) and returns what stops it. Subscribing again to the same channel and market replaces the
subscription (and so sends a new snapshot); a socket's subscriptions end with it.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.errors import NotFound, ServiceError, Unauthorized
from app.stream import protocol

if TYPE_CHECKING:
    from app.stream.connection import StreamConnection

Params = dict[str, Any]
Parse = Callable[[dict], Params]
# start(conn, market, params) sends what comes first and returns the function that ends the subscription.
Start = Callable[["StreamConnection", str | None, Params], Awaitable[Callable[[], None]]]


def no_params(_frame: dict) -> Params:
    return {}


@dataclass(frozen=True)
class Channel:
    name: str
    private: bool
    start: Start
    parse: Parse = no_params
    summary: str = ""
    params: dict[str, Any] = field(default_factory=dict)  # JSON schema of the subscribe frame's own fields
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # message name -> JSON schema (AsyncAPI)

    @property
    def market(self) -> bool:
        """Public channels are per market; private ones span every market of the trader."""
        return not self.private


CHANNELS: dict[str, Channel] = {}


def register_channel(
    name: str,
    *,
    private: bool,
    start: Start,
    parse: Parse = no_params,
    summary: str = "",
    params: dict[str, Any] | None = None,
    messages: dict[str, dict[str, Any]] | None = None,
) -> Channel:
    """Make `name` subscribable (registering a name again replaces it)."""
    channel = Channel(name, private, start, parse, summary, params or {}, messages or {})
    CHANNELS[name] = channel
    return channel


def _channel_of(conn: "StreamConnection", frame: dict) -> tuple[Channel, str | None]:
    name = frame.get("channel")
    channel = CHANNELS.get(name) if isinstance(name, str) else None
    if channel is None:
        known = ", ".join(sorted(CHANNELS))
        raise ServiceError(f"channel: unknown channel {name!r}; the channels are {known}")
    if channel.private:
        if conn.trader is None:
            raise Unauthorized(f'channel: {name} is private: send {{"op": "auth", "key": ...}} first')
        if frame.get("market") is not None:
            raise ServiceError(f"market: {name} covers every market; send no market")
        return channel, None
    market = frame.get("market")
    if not isinstance(market, str) or not market:
        raise ServiceError(f'market: {name} needs a market, e.g. "BTC-USD"')
    if market not in conn.services.exchange.writers:
        known = ", ".join(sorted(conn.services.exchange.writers))
        raise NotFound(f"market: unknown market {market!r}; the markets are {known}")
    return channel, market


def _names(channel: str, market: str | None) -> dict[str, Any]:
    return {"channel": channel} if market is None else {"channel": channel, "market": market}


@protocol.register_op(
    "subscribe",
    summary="Start a channel: acknowledged, then its first message (a snapshot), then its updates.",
    fields={
        "channel": {"type": "string", "description": "book, trades, ticker, candles (and the private ones)"},
        "market": {
            "type": "string",
            "description": "the market's symbol, for public channels",
            "examples": ["BTC-USD"],
        },
    },
    answer={"status": {"const": 200}, "channel": {"type": "string"}, "market": {"type": "string"}},
)
async def subscribe(conn: "StreamConnection", frame: dict) -> None:
    channel, market = _channel_of(conn, frame)
    params = channel.parse(frame)
    key = (channel.name, market)
    previous = conn.subscriptions.pop(key, None)
    if previous is not None:
        previous()
    await protocol.answer(conn, frame, status=200, **_names(channel.name, market), **params)
    stop = await channel.start(conn, market, params)
    if conn.closed:  # the socket ended while the first message was made
        stop()
        return
    replaced = conn.subscriptions.pop(key, None)  # a second subscribe raced this one: the later one wins
    if replaced is not None:
        replaced()
    conn.subscriptions[key] = stop


@protocol.register_op(
    "unsubscribe",
    summary="Stop a channel: nothing more of it is sent after the answer.",
    fields={"channel": {"type": "string"}, "market": {"type": "string"}},
    answer={"status": {"const": 200}, "channel": {"type": "string"}, "market": {"type": "string"}},
)
async def unsubscribe(conn: "StreamConnection", frame: dict) -> None:
    channel, market = _channel_of(conn, frame)
    stop = conn.subscriptions.pop((channel.name, market), None)
    if stop is None:
        where = f" {market}" if market else ""
        raise NotFound(f"channel: not subscribed to {channel.name}{where}")
    stop()
    await protocol.answer(conn, frame, status=200, **_names(channel.name, market))
