"""An example client of the streaming API: keeps a local book, checks every checksum, places and cancels an order.

    python docs/examples/stream_client.py --url ws://127.0.0.1:8080/api/ws --market BTC-USD --key lob_... --updates 20

It needs only the `websockets` package. It subscribes to the market's `book`, builds the book from the snapshot and
applies each update on the sequence it names (`from`), checking the CRC32 after each; with `--key` it authenticates,
places a limit buy far below the best bid and cancels it. It prints one JSON summary line and exits with 1 when a
checksum did not match or the order was refused.
"""

import argparse
import asyncio
import json
import sys
import zlib
from decimal import ROUND_UP, Decimal
from typing import Any

import websockets

CHECKSUM_LEVELS = 10  # the top levels of each side that the checksum covers
# The order placed: half the lowest bid shown, at the demo markets' tick and lot, for twice their minimum notional.
CENT, LOT, MIN_NOTIONAL = Decimal("0.01"), Decimal("0.0001"), Decimal(2)


class LocalBook:
    """One market's book from the stream: price text -> size text on each side."""

    def __init__(self) -> None:
        self.asks: dict[str, str] = {}
        self.bids: dict[str, str] = {}
        self.sequence = -1

    def load(self, snapshot: dict) -> None:
        self.asks = {price: size for price, size in snapshot["asks"]}
        self.bids = {price: size for price, size in snapshot["bids"]}
        self.sequence = snapshot["sequence"]

    def apply(self, update: dict) -> bool:
        """Apply an update; False when it does not apply on this book's sequence (then resubscribe)."""
        if update["from"] != self.sequence:
            return False
        for side, levels in ((self.asks, update["asks"]), (self.bids, update["bids"])):
            for price, size in levels.items():
                if size is None:
                    side.pop(price, None)
                else:
                    side[price] = size
        self.sequence = update["sequence"]
        return True

    def best(self, side: str) -> list[tuple[str, str]]:
        levels = self.asks if side == "asks" else self.bids
        return sorted(levels.items(), key=lambda level: Decimal(level[0]), reverse=side == "bids")

    def checksum(self) -> int:
        """CRC32 of the top levels, asks then bids, best first: price then size, point removed, leading zeros too."""
        parts = [
            digits(text) for side in ("asks", "bids") for level in self.best(side)[:CHECKSUM_LEVELS] for text in level
        ]
        return zlib.crc32("".join(parts).encode())


def digits(text: str) -> str:
    return text.replace(".", "").lstrip("0")


async def run(options: argparse.Namespace) -> dict[str, Any]:
    book, summary = LocalBook(), {"updates": 0, "checksums_ok": 0, "checksum_errors": 0, "resyncs": 0}
    async with websockets.connect(options.url, max_size=None) as socket:
        answers: dict[int, asyncio.Future] = {}
        resyncs: list[asyncio.Future] = []  # a new snapshot asked for after an update that did not apply

        async def call(op: str, **fields: Any) -> dict:
            ident = len(answers) + 1
            answers[ident] = asyncio.get_running_loop().create_future()
            await socket.send(json.dumps({"op": op, "id": ident, **fields}))
            return await answers[ident]

        async def read() -> None:
            async for text in socket:
                message = json.loads(text)
                if "id" in message and message["id"] in answers:
                    answers[message["id"]].set_result(message)
                elif message.get("channel") == "book":
                    on_book(message)

        def on_book(message: dict) -> None:
            if message["type"] == "snapshot":
                book.load(message)
            elif not book.apply(message):
                summary["resyncs"] += 1
                resyncs.append(asyncio.ensure_future(call("subscribe", channel="book", market=options.market)))
                return
            else:
                summary["updates"] += 1
            ok = book.checksum() == message["checksum"]
            summary["checksums_ok" if ok else "checksum_errors"] += 1

        reader = asyncio.ensure_future(read())
        await call("subscribe", channel="book", market=options.market)
        if options.key:
            summary["auth"] = (await call("auth", key=options.key))["status"]
            bids = book.best("bids")
            price = (Decimal(bids[-1][0]) / 2 if bids else Decimal(1)).quantize(CENT)
            quantity = (MIN_NOTIONAL / price).quantize(LOT, ROUND_UP)  # at least the minimum notional
            order = {"symbol": options.market, "side": "buy", "price": str(price), "quantity": str(quantity)}
            placed = await call("place", order=order)
            summary["placed"] = placed["status"]
            if placed["status"] in (200, 201):
                summary["cancelled"] = (await call("cancel", order_id=placed["order"]["id"]))["status"]
        deadline = asyncio.get_running_loop().time() + options.seconds
        while summary["updates"] < options.updates and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        reader.cancel()
    summary["sequence"] = book.sequence
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8080/api/ws")
    parser.add_argument("--market", default="BTC-USD")
    parser.add_argument("--key", help="an API key: also place and cancel an order")
    parser.add_argument("--updates", type=int, default=0, help="book updates to wait for before leaving")
    parser.add_argument("--seconds", type=float, default=10.0, help="the longest to wait for them")
    summary = asyncio.run(run(parser.parse_args()))
    print(json.dumps(summary), flush=True)
    failed = summary["checksum_errors"] or summary.get("placed", 201) not in (200, 201)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
