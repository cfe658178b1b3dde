"""The private channels (`orders`, `fills`, `balances`): each committed batch read once for all the traders it touched
who listen here, then sent to each of their sockets, and never to another trader's.

The exchange tells of every committed batch, this process's or another's once caught up (`Exchange.subscribe`), with
the traders it touched; the ledger follower tells of deposits and withdrawals. Per market one read runs at a time,
from the last sequence read to the newest announced, so a burst of batches costs a few reads, not one per batch and
never one per socket. Orders and balances are sent as the REST API shows them (`GET /api/orders/{id}`,
`GET /api/balances`); an order changed by several batches of one read is sent once, in its newest state.
"""

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from sqlmodel import Session

from app.accounts.ledger_feed import LedgerFollower
from app.domain.rules import MarketRules, asset_places
from app.exchange.service import Exchange
from app.stream.private_changes import PrivateChanges, read_changes
from models import BalancePublic

log = logging.getLogger("orderbook.stream")

Channel = Literal["orders", "fills", "balances"]
CHANNELS: tuple[Channel, ...] = ("orders", "fills", "balances")
Send = Callable[[str], None]  # hands one JSON text to one socket


def text(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


class PrivateFeed:
    """The private channels of every socket of this process."""

    def __init__(self, exchange: Exchange, ledger: LedgerFollower) -> None:
        self.exchange = exchange
        self.places = asset_places(exchange.markets)
        self.sockets: dict[Channel, dict[int, set[Send]]] = {channel: {} for channel in CHANNELS}
        self.read_up_to = {symbol: writer.sequence for symbol, writer in exchange.writers.items()}
        self.newest: dict[str, int] = {}
        self.reading: dict[str, asyncio.Task] = {}
        self.shown: dict[int, dict[str, BalancePublic]] = {}  # the balances last sent to each trader's sockets
        self.tasks: set[asyncio.Task] = set()  # balance reads under way (held, so that none is collected unfinished)
        self.stop_listening = exchange.subscribe(self.changed)
        ledger.subscribe(self.funds_changed)

    def subscribe(self, channel: Channel, trader_id: int, send: Send) -> Callable[[], None]:
        """Send `channel`'s messages for `trader_id` to `send`; returns the unsubscribe function."""
        self.sockets[channel].setdefault(trader_id, set()).add(send)
        if channel == "balances":
            self._start(self._snapshot(trader_id, send))

        def unsubscribe() -> None:
            sends = self.sockets[channel].get(trader_id)
            if sends is not None:
                sends.discard(send)
                if not sends:
                    del self.sockets[channel][trader_id]
                    if not self.sockets["balances"].get(trader_id):
                        self.shown.pop(trader_id, None)

        return unsubscribe

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def listeners(self, *channels: Channel) -> frozenset[int]:
        return frozenset(trader for channel in channels for trader in self.sockets[channel])

    def changed(self, symbol: str, sequence: int, traders: frozenset[int] | None) -> None:
        """A batch of `symbol` committed (the exchange's listener, on the event loop)."""
        listening = self.listeners(*CHANNELS)
        if symbol not in self.reading and (not listening or (traders is not None and not traders & listening)):
            self.read_up_to[symbol] = max(sequence, self.read_up_to.get(symbol, sequence))
            return
        self.newest[symbol] = max(sequence, self.newest.get(symbol, sequence))
        if symbol not in self.reading:
            task = asyncio.get_running_loop().create_task(self._read(symbol), name=f"private changes {symbol}")
            self.reading[symbol] = task

    def funds_changed(self, traders: frozenset[int]) -> None:
        """Money moved outside the markets (a deposit, a withdrawal): the listening traders' balances again."""
        listening = traders & self.listeners("balances")
        if listening:
            self._start(self._send_balances(listening))

    async def _read(self, symbol: str) -> None:
        try:
            rules = self.exchange.writers[symbol].rules
            while self.read_up_to.get(symbol, -1) < self.newest[symbol]:
                after = self.read_up_to.get(symbol, -1)
                changes = await self.exchange.registry.run(self._reader(rules, after))
                if changes.last <= after:
                    break  # nothing stored past what was read: the next batch starts another read
                self.read_up_to[symbol] = changes.last
                self._deliver(symbol, changes)
        except Exception:
            log.exception("%s: reading the private changes failed", symbol)
        finally:
            del self.reading[symbol]

    def _reader(self, rules: MarketRules, after: int) -> Callable[[Session], PrivateChanges]:
        """The read of the changes after `after` for the traders listening now, to run in a worker thread."""
        order_traders, balance_traders = self.listeners("orders", "fills"), self.listeners("balances")
        return lambda session: read_changes(
            session, rules, after, order_traders=order_traders, balance_traders=balance_traders, places=self.places
        )

    def _deliver(self, symbol: str, changes: PrivateChanges) -> None:
        sequence = {"market": symbol, "sequence": changes.last}
        for trader_id, orders in changes.orders.items():
            for order in orders:
                self._send("orders", trader_id, {"channel": "orders", **sequence, "order": order})
        for trader_id, fills in changes.fills.items():
            for fill in fills:
                self._send("fills", trader_id, {"channel": "fills", **sequence, "fill": fill})
        for trader_id, rows in changes.balances.items():
            self._balances_changed(trader_id, rows)

    def _send(self, channel: Channel, trader_id: int, message: dict) -> None:
        sends = self.sockets[channel].get(trader_id)
        if sends:
            encoded = text(message)  # once per message, whatever the number of the trader's sockets
            for send in list(sends):
                send(encoded)

    def _balances_changed(self, trader_id: int, rows: list[BalancePublic]) -> None:
        shown = self.shown.setdefault(trader_id, {})
        changed = [row for row in rows if shown.get(row.asset) != row]
        shown.update((row.asset, row) for row in changed)
        if changed:
            balances = [row.model_dump(mode="json") for row in changed]
            self._send("balances", trader_id, {"channel": "balances", "type": "update", "balances": balances})

    async def _send_balances(self, traders: frozenset[int]) -> None:
        for trader_id in traders:
            self._balances_changed(trader_id, await self.exchange.reads.balances(trader_id))

    async def _snapshot(self, trader_id: int, send: Send) -> None:
        """A new balances subscriber's first message: every row, as `GET /api/balances`."""
        try:
            rows = await self.exchange.reads.balances(trader_id)
        except Exception as error:
            log.warning("balances for a new subscriber could not be read: %s", error)
            return
        if trader_id not in self.shown:  # the first socket's baseline; others already have theirs, kept up to date
            self.shown[trader_id] = {row.asset: row for row in rows}
        if send in self.sockets["balances"].get(trader_id, ()):
            balances = [row.model_dump(mode="json") for row in rows]
            send(text({"channel": "balances", "type": "snapshot", "balances": balances}))

    def close(self) -> None:
        self.stop_listening()
        for task in [*self.reading.values(), *self.tasks]:
            task.cancel()
