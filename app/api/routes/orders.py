"""A trader's orders: place, read, reduce and cancel (Authorization: Bearer <api_key>)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.api.deps import CurrentTrader, ExchangeDep
from models import OrderAmend, OrderCreate, OrderPublic

router = APIRouter(prefix="/orders", tags=["orders"])

AUTH = {401: {"description": "Missing or invalid API key"}}
NOT_FOUND = {404: {"description": "Not one of the caller's orders"}}
NOT_RESTING = {409: {"description": "The order is no longer resting"}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**AUTH, 200: {"description": "Same client_order_id again: the original order", "model": OrderPublic}},
)
async def place_order(
    exchange: ExchangeDep, trader: CurrentTrader, order_in: OrderCreate, response: Response
) -> OrderPublic:
    """Place an order; the response is the order after matching, sent only once it is committed."""
    assert trader.id is not None
    order, created = await exchange.place_order(trader_id=trader.id, order_in=order_in)
    if not created:
        response.status_code = status.HTTP_200_OK
    return order


@router.get("", responses=AUTH)
async def list_orders(
    exchange: ExchangeDep,
    trader: CurrentTrader,
    status: Literal["open", "closed", "all"] = "open",
    symbol: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OrderPublic]:
    """The caller's orders, newest first: `open` = resting, `closed` = everything else."""
    assert trader.id is not None
    return await exchange.orders(trader_id=trader.id, status=status, symbol=symbol or None, limit=limit)


@router.delete("", responses=AUTH)
async def cancel_all_orders(
    exchange: ExchangeDep, trader: CurrentTrader, symbol: str | None = None
) -> list[OrderPublic]:
    """Cancel all the caller's resting orders, in one market or in all."""
    assert trader.id is not None
    return await exchange.cancel_all(trader_id=trader.id, symbol=symbol or None)


@router.get("/{order_id}", responses={**AUTH, **NOT_FOUND})
async def read_order(exchange: ExchangeDep, trader: CurrentTrader, order_id: int) -> OrderPublic:
    """One of the caller's orders, with its fills."""
    assert trader.id is not None
    return await exchange.order(trader_id=trader.id, order_id=order_id)


@router.patch("/{order_id}", responses={**AUTH, **NOT_FOUND, **NOT_RESTING})
async def reduce_order(exchange: ExchangeDep, trader: CurrentTrader, order_id: int, amend: OrderAmend) -> OrderPublic:
    """Reduce a resting order's total quantity; it keeps its place in the queue."""
    assert trader.id is not None
    return await exchange.reduce_order(trader_id=trader.id, order_id=order_id, amend=amend)


@router.delete("/{order_id}", responses={**AUTH, **NOT_FOUND, **NOT_RESTING})
async def cancel_order(exchange: ExchangeDep, trader: CurrentTrader, order_id: int) -> OrderPublic:
    """Cancel a resting order."""
    assert trader.id is not None
    return await exchange.cancel_order(trader_id=trader.id, order_id=order_id)
