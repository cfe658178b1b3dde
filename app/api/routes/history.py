"""The caller's history (Authorization: Bearer <api_key>): fills and the ledger, paged by cursor, as JSON or CSV."""

import csv
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator

from app.api.deps import CurrentTrader, ExchangeDep
from app.api.routes.responses import AUTH, UNAVAILABLE, Responses
from app.domain.rules import asset_places
from app.errors import InvalidInput
from app.exchange.history import HistoryReads
from app.exchange.service import Exchange
from models.clock import aware
from models.history import FillsPage, LedgerLinePublic, LedgerPage, TraderFillPublic

router = APIRouter(tags=["history"])
T = TypeVar("T")

FILL_COLUMNS = list(TraderFillPublic.model_fields)
LEDGER_COLUMNS = list(LedgerLinePublic.model_fields)
EXPORT_PAGE = 500  # rows read per worker-thread hop while a CSV streams
CSV_RESPONSE: Responses = {
    200: {"content": {"text/csv": {}}, "description": "A CSV file, one row per line, header first"}
}

Symbol = Annotated[str | None, Query(description="one market's fills; omitted: every market", examples=["BTC-USD"])]
Asset = Annotated[str | None, Query(description="one asset's lines; omitted: every asset", examples=["USD"])]


def not_a_number(value: object) -> object:
    """A time is ISO 8601 text, as documented: pydantic would also take a number as seconds since 1970."""
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9.eE+-]+\s*", value) and not re.search("-.*-", value):
        raise ValueError("an ISO 8601 time (2026-01-01T00:00:00Z), not a number")
    return value


Since = Annotated[
    datetime | None,
    BeforeValidator(not_a_number),
    Query(description="from this time on (inclusive), ISO 8601; no zone = UTC"),
]
Until = Annotated[
    datetime | None,
    BeforeValidator(not_a_number),
    Query(description="before this time (exclusive), ISO 8601; no zone = UTC"),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="the most rows in one page")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")]


def refused(field: str, reason: str) -> RequestValidationError:
    """A 422 naming a query parameter, in FastAPI's own shape."""
    return RequestValidationError([{"type": "value_error", "loc": ("query", field), "msg": reason, "input": None}])


def in_utc(field: str, moment: datetime | None) -> datetime | None:
    """A time of the query as UTC (no zone: UTC already); one that UTC cannot hold is a 422 naming it."""
    if moment is None:
        return None
    try:
        return aware(moment).astimezone(UTC)
    except OverflowError as error:
        raise refused(field, "out of the range of times") from error


def period(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    since, until = in_utc("since", since), in_utc("until", until)
    if since is not None and until is not None and since >= until:
        raise refused("until", "must be later than since")
    return since, until


def known_symbol(exchange: Exchange, symbol: str | None) -> str | None:
    if symbol and symbol not in exchange.registry.writers:
        raise refused("symbol", f"unknown market {symbol!r}; markets: {', '.join(exchange.registry.writers)}")
    return symbol or None


def known_asset(exchange: Exchange, asset: str | None) -> str | None:
    if not asset:
        return None
    assets = asset_places(exchange.registry.markets)
    if asset.upper() not in assets:
        raise refused("asset", f"unknown asset {asset!r}; assets: {', '.join(assets)}")
    return asset.upper()


async def answered(read: Awaitable[T]) -> T:
    try:
        return await read
    except InvalidInput as error:  # a bad cursor: a query parameter, not the body
        raise refused(error.field, error.reason) from error


@router.get("/fills", responses={**AUTH, **UNAVAILABLE})
async def list_fills(
    exchange: ExchangeDep,
    trader: CurrentTrader,
    symbol: Symbol = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> FillsPage:
    """The caller's fills, newest first, with their orders, fees and liquidity; `next_cursor` pages to older ones."""
    since, until = period(since, until)
    symbol = known_symbol(exchange, symbol)
    history = HistoryReads(exchange.registry)
    return await answered(history.fills(trader.id, symbol=symbol, since=since, until=until, limit=limit, cursor=cursor))


@router.get("/ledger", responses={**AUTH, **UNAVAILABLE})
async def list_ledger(
    exchange: ExchangeDep,
    trader: CurrentTrader,
    asset: Asset = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> LedgerPage:
    """Every change of the caller's balances (deposit, withdrawal, opening, trade, fee), newest first, each with the
    asset's balance (available + held) after it: over any period, the amounts add up to the change of the balance."""
    since, until = period(since, until)
    asset = known_asset(exchange, asset)
    history = HistoryReads(exchange.registry)
    page, _ = await answered(
        history.ledger(trader.id, asset=asset, since=since, until=until, limit=limit, cursor=cursor)
    )
    return page


def csv_text(rows: list[dict[str, Any]], columns: list[str], header: bool) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows({name: "" if value is None else value for name, value in row.items()} for row in rows)
    return out.getvalue()


async def streamed(
    first: list[dict[str, Any]],
    next_cursor: str | None,
    columns: list[str],
    more: Callable[[str], Awaitable[tuple[list[dict[str, Any]], str | None]]],
) -> AsyncIterator[str]:
    yield csv_text(first, columns, header=True)
    while next_cursor is not None:
        rows, next_cursor = await more(next_cursor)
        yield csv_text(rows, columns, header=False)


def download(name: str, body: AsyncIterator[str]) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/fills.csv", responses={**AUTH, **UNAVAILABLE, **CSV_RESPONSE}, response_class=StreamingResponse)
async def export_fills(
    exchange: ExchangeDep, trader: CurrentTrader, symbol: Symbol = None, since: Since = None, until: Until = None
) -> StreamingResponse:
    """The caller's fills of a period as a CSV file, newest first: the columns are the fields of `GET /api/fills`."""
    since, until = period(since, until)
    symbol = known_symbol(exchange, symbol)
    history = HistoryReads(exchange.registry)

    async def page(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        found = await history.fills(
            trader.id, symbol=symbol, since=since, until=until, limit=EXPORT_PAGE, cursor=cursor
        )
        return [fill.model_dump(mode="json") for fill in found.fills], found.next_cursor

    rows, cursor = await page(None)  # before the answer starts: a database error is still a 503
    return download("fills.csv", streamed(rows, cursor, FILL_COLUMNS, page))


@router.get("/ledger.csv", responses={**AUTH, **UNAVAILABLE, **CSV_RESPONSE}, response_class=StreamingResponse)
async def export_ledger(
    exchange: ExchangeDep, trader: CurrentTrader, asset: Asset = None, since: Since = None, until: Until = None
) -> StreamingResponse:
    """The caller's ledger of a period as a CSV file, newest first: the columns are the fields of `GET /api/ledger`."""
    since, until = period(since, until)
    asset = known_asset(exchange, asset)
    history = HistoryReads(exchange.registry)
    carried: list[dict[str, Decimal]] = []

    async def page(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        found, levels = await history.ledger(
            trader.id,
            asset=asset,
            since=since,
            until=until,
            limit=EXPORT_PAGE,
            cursor=cursor,
            carried=carried[-1] if carried else None,
        )
        carried.append(levels)  # each page goes on from the balances where the last one ended
        return [line.model_dump(mode="json") for line in found.entries], found.next_cursor

    rows, cursor = await page(None)
    return download("ledger.csv", streamed(rows, cursor, LEDGER_COLUMNS, page))
