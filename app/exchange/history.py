"""The trader's fills and ledger, a page at a time, newest first, behind an opaque cursor (reads in a worker thread).

The ledger is derived from what is stored, with no table of its own: the ledger rows (deposits, withdrawals,
openings) and, for each fill, what settlement moved (app/exchange/settlement.py): the base bought or sold, the quote
paid or received, and the fee. Each line carries the asset's balance (available + held) right after it: the balance
now, minus every line newer than it, all read in one snapshot. So a statement adds up exactly: the sum of the amounts
over a period equals the change of the balance over it.
"""

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from app.domain.rules import MarketRules, asset_places
from app.errors import InvalidInput
from app.exchange.registry import MarketRegistry
from app.store import history as store
from models.history import FillsPage, LedgerLinePublic, LedgerPage, TraderFillPublic

# A ledger line's place, newest first = greatest first: (created_at, source, id, part); source 0 is a ledger row,
# 1 a trade, whose parts are 0 the base, 1 the quote, 2 the fee.
LineKey = tuple[datetime, int, int, int]
PARTS = ("base", "quote", "fee")


@dataclass(frozen=True)
class Line:
    key: LineKey
    asset: str
    amount: Decimal
    kind: str
    market: MarketRules | None = None
    order_id: int | None = None
    balance: Decimal = Decimal(0)


def encode_cursor(kind: str, moment: datetime, *numbers: int) -> str:
    text = ",".join([kind, moment.astimezone(UTC).isoformat(), *map(str, numbers)])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, count: int) -> tuple[datetime, list[int]]:
    """The (moment, numbers) of a cursor this API handed out for `kind`; anything else is a 422 naming `cursor`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, moment, *numbers = text.split(",")
        if found != kind or len(numbers) != count:
            raise ValueError(kind)
        values = [int(number) for number in numbers]
        if not all(0 <= value < 2**63 for value in values):  # ids are 64-bit in the database
            raise ValueError(numbers)
        return datetime.fromisoformat(moment).astimezone(UTC), values
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as error:
        raise InvalidInput("cursor", "not a cursor of this list: pass next_cursor as it was received") from error


def fill_lines(fill: store.FillRow, rules: MarketRules) -> list[Line]:
    """What one fill moved of the trader's balances: the base, the quote, and the fee (paid in the quote)."""
    notional = fill.price * fill.quantity
    sign = 1 if fill.side == "buy" else -1
    moves = [(rules.base, sign * fill.quantity, "trade"), (rules.quote, -sign * notional, "trade")]
    if fill.fee:
        moves.append((rules.quote, -fill.fee, "fee"))
    return [
        Line((fill.created_at, 1, fill.trade_id, part), asset, amount, kind, rules, fill.order_id)
        for part, (asset, amount, kind) in enumerate(moves)
    ]


def row_line(row: store.LedgerRow) -> Line:
    return Line((row.created_at, 0, row.id, 0), row.asset, row.amount, row.kind)


class HistoryReads:
    """The caller's fills and ledger pages; nothing here changes anything."""

    def __init__(self, registry: MarketRegistry) -> None:
        self.registry = registry

    def market_ids(self, symbol: str | None, asset: str | None) -> list[int] | None:
        markets = self.registry.markets
        if symbol is not None:
            markets = [rules for rules in markets if rules.symbol == symbol]
        if asset is not None:
            markets = [rules for rules in markets if asset in (rules.base, rules.quote)]
        return None if symbol is None and asset is None else [rules.id for rules in markets]

    async def fills(
        self,
        trader_id: int,
        *,
        symbol: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> FillsPage:
        before = None
        if cursor is not None:
            moment, (trade_id,) = decode_cursor("F", cursor, 1)
            before = (moment, trade_id)
        window = store.Window(since=since, until=until, before=before)
        market_ids = self.market_ids(symbol, None)
        rows = await self.registry.run(
            lambda session: store.trader_fills(session, trader_id, window, market_ids=market_ids, limit=limit + 1)
        )
        page = [self.fill_public(row) for row in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        next_cursor = None if last is None else encode_cursor("F", last.created_at, last.trade_id)
        return FillsPage(fills=page, next_cursor=next_cursor)

    def fill_public(self, row: store.FillRow) -> TraderFillPublic:
        rules = self.registry.rules_by_id[row.market_id]
        return TraderFillPublic(
            trade_id=row.trade_id,
            order_id=row.order_id,
            symbol=rules.symbol,
            side=row.side,  # type: ignore[arg-type]
            price=rules.price_text(row.price),
            quantity=rules.quantity_text(row.quantity),
            quote_amount=rules.notional_text(row.price * row.quantity),
            fee=rules.notional_text(row.fee),
            fee_asset=rules.quote,
            liquidity=row.liquidity,  # type: ignore[arg-type]
            created_at=row.created_at,
        )

    async def ledger(
        self,
        trader_id: int,
        *,
        asset: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        cursor: str | None = None,
        carried: dict[str, Decimal] | None = None,
    ) -> tuple[LedgerPage, dict[str, Decimal]]:
        """A page of ledger lines, and each asset's balance just before the page's newest line (`carried` into the next
        page's call, e.g. by an export, it spares re-reading every newer line)."""
        position: LineKey | None = None
        if cursor is not None:
            moment, numbers = decode_cursor("L", cursor, 3)
            position = (moment, numbers[0], numbers[1], numbers[2])
        market_ids = self.market_ids(None, asset)
        assets = None if asset is None else [asset]

        def read(session: Session) -> tuple[list[Line], dict[str, Decimal]]:
            store.same_snapshot(session)
            page = self._page_lines(session, trader_id, position, since, until, market_ids, assets, limit + 1)
            top: LineKey | None = position
            if until is not None and (top is None or (until, -1, 0, 0) < top):
                top = (until, -1, 0, 0)
            if carried is not None:
                return page, dict(carried)
            levels = store.balance_totals(session, trader_id)
            if top is not None:  # take back every line at or after the page's top
                for line in self._lines(session, trader_id, store.Window(since=top[0]), market_ids, assets, None):
                    if line.key >= top:
                        levels[line.asset] = levels.get(line.asset, Decimal(0)) - line.amount
            return page, levels

        lines, levels = await self.registry.run(read)
        shown: list[Line] = []
        for line in lines[:limit]:
            level = levels.get(line.asset, Decimal(0))
            shown.append(replace(line, balance=level))
            levels[line.asset] = level - line.amount
        more = len(lines) > limit
        last = shown[-1].key if more else None
        next_cursor = None if last is None else encode_cursor("L", last[0], *last[1:])
        return LedgerPage(entries=[self.line_public(line) for line in shown], next_cursor=next_cursor), levels

    def _lines(
        self,
        session: Session,
        trader_id: int,
        window: store.Window,
        market_ids: list[int] | None,
        assets: list[str] | None,
        limit: int | None,
        trade_window: store.Window | None = None,
    ) -> list[Line]:
        """Ledger rows and fills' moves in the window, newest first (at most `limit` of each source read)."""
        rows = store.trader_ledger(session, trader_id, window, assets=assets, limit=limit)
        fills = store.trader_fills(session, trader_id, trade_window or window, market_ids=market_ids, limit=limit)
        lines = [row_line(row) for row in rows]
        for fill in fills:
            lines.extend(fill_lines(fill, self.registry.rules_by_id[fill.market_id]))
        if assets is not None:
            lines = [line for line in lines if line.asset in assets]
        return sorted(lines, key=lambda line: line.key, reverse=True)

    def _page_lines(
        self,
        session: Session,
        trader_id: int,
        position: LineKey | None,
        since: datetime | None,
        until: datetime | None,
        market_ids: list[int] | None,
        assets: list[str] | None,
        count: int,
    ) -> list[Line]:
        """The first `count` lines older than `position`, within [since, until)."""
        rows_window = trades_window = store.Window(since=since, until=until)
        if position is not None:
            moment, source, number, _ = position
            # Ledger rows at the same moment come before (are older than) a trade's lines, so a trade's cursor keeps
            # them all; a trade's cursor keeps that trade itself (its older parts), filtered below.
            rows_window = replace(rows_window, before=(moment, 2**62) if source else (moment, number))
            trades_window = replace(trades_window, before=(moment, number) if source else (moment, 0))
            trades_window = replace(trades_window, before_inclusive=bool(source))
        lines = self._lines(session, trader_id, rows_window, market_ids, assets, count + 1, trades_window)
        if position is not None:
            lines = [line for line in lines if line.key < position]
        return lines[:count]

    def line_public(self, line: Line) -> LedgerLinePublic:
        places = asset_places(self.registry.markets)
        moment, source, number, part = line.key
        decimals = places.get(line.asset, 18)
        return LedgerLinePublic(
            id=f"T{number}-{PARTS[part]}" if source else f"L{number}",
            asset=line.asset,
            kind=line.kind,  # type: ignore[arg-type]
            amount=f"{line.amount:.{decimals}f}",
            balance=f"{line.balance:.{decimals}f}",
            symbol=None if line.market is None else line.market.symbol,
            trade_id=number if source else None,
            order_id=line.order_id,
            created_at=moment,
        )
