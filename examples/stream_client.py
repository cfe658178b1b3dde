"""An example program on the streaming API: keeps a market's book from the stream and checks every checksum.

    python examples/stream_client.py --url ws://127.0.0.1:8080/api/ws --market BTC-USD --updates 100

It subscribes to the book, applies each update on the sequence it names, verifies the CRC32 of the top 10 levels a
side after each, resubscribes (a new snapshot) on a gap or a mismatch, and prints the best bid and ask. Only the
`websockets` package is needed; nothing of the server's code.
"""

import argparse
import asyncio
import json
import zlib
from decimal import Decimal

from websockets.asyncio.client import connect

Levels = dict[str, str]  # price -> size, as the server writes them


def checksum(asks: Levels, bids: Levels) -> int:
    """CRC32 of the top 10 asks (lowest first) then the top 10 bids (highest first): price then size, each without
    its decimal point and leading zeros (docs/streaming.md)."""
    best_asks = sorted(asks.items(), key=lambda level: Decimal(level[0]))[:10]
    best_bids = sorted(bids.items(), key=lambda level: Decimal(level[0]), reverse=True)[:10]
    text = "".join(
        price.replace(".", "").lstrip("0") + size.replace(".", "").lstrip("0")
        for price, size in [*best_asks, *best_bids]
    )
    return zlib.crc32(text.encode("ascii"))


class LocalBook:
    def __init__(self) -> None:
        self.sequence = -1
        self.asks: Levels = {}
        self.bids: Levels = {}

    def snapshot(self, message: dict) -> None:
        self.sequence = message["sequence"]
        self.asks = dict(message["asks"])
        self.bids = dict(message["bids"])

    def update(self, message: dict) -> bool:
        """Apply an update; False if it does not follow on (a gap)."""
        if message["from"] != self.sequence:
            return False
        for side, levels in (("asks", self.asks), ("bids", self.bids)):
            for price, size in message[side].items():
                if size is None:
                    levels.pop(price, None)
                else:
                    levels[price] = size
        self.sequence = message["sequence"]
        return True

    def best(self) -> tuple[str | None, str | None]:
        bid = max(self.bids, key=Decimal, default=None)
        ask = min(self.asks, key=Decimal, default=None)
        return bid, ask


async def follow(url: str, market: str, depth: int, updates: int) -> int:
    """Follow the book until `updates` updates were applied and checked; how many resyncs it took."""
    book, applied, resyncs = LocalBook(), 0, 0
    subscribe = json.dumps({"op": "subscribe", "channel": "book", "market": market, "depth": depth})
    async with connect(url, max_queue=None) as socket:
        await socket.send(subscribe)
        async for text in socket:
            message = json.loads(text)
            if message.get("op") == "error":
                raise SystemExit(f"refused: {message['detail']}")
            if "op" in message or message.get("channel") != "book":  # answers (to subscribe) carry an op
                continue
            if message["type"] == "snapshot":
                book.snapshot(message)
            elif not book.update(message):
                resyncs += 1
                await socket.send(subscribe)  # a gap: start over from a new snapshot
                continue
            else:
                applied += 1
            if checksum(book.asks, book.bids) != message["checksum"]:
                resyncs += 1
                await socket.send(subscribe)
                continue
            bid, ask = book.best()
            print(f"{market} #{book.sequence}: bid {bid} ask {ask} (checksum ok)", flush=True)
            if applied >= updates:
                return resyncs
    return resyncs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8080/api/ws")
    parser.add_argument("--market", default="BTC-USD")
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--updates", type=int, default=100, help="stop after this many updates were checked")
    options = parser.parse_args()
    resyncs = asyncio.run(follow(options.url, options.market, options.depth, options.updates))
    print(f"done: {options.updates} updates checked, {resyncs} resyncs")


if __name__ == "__main__":
    main()
