"""A trader's orders: place, read, reduce and cancel (Authorization: Bearer <api_key>)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from starlette.convertors import Convertor, register_url_convertor

from app.api.body_limit import API_PREFIX, MAX_BODY_BYTES
from app.api.deps import CurrentTrader, ExchangeDep
from app.api.lean_route import LeanRoute
from app.api.routes.responses import AUTH, BAD_BODY, TOO_LARGE, UNAVAILABLE, Responses, error
from models import OrderAmend, OrderCreate, OrderPublic

router = APIRouter(prefix="/orders", tags=["orders"])
# Placing and cancelling one order: lean routes (app/api/lean_route.py) that the app matches before all the others, so
# their router is not included under `api_router`: it carries the whole path and the body limit itself.
hot_router = APIRouter(
    prefix=f"{API_PREFIX}orders", tags=["orders"], route_class=LeanRoute, max_body_size=MAX_BODY_BYTES
)

# Ids are 64-bit on every database: a larger one is refused here, not by the database driver (a 500). The routes
# match digits only (`{order_id:int}`), so that /orders/batch is not taken for a bad id; any other id that is not a
# number is refused by `not_an_order_id`, last, as FastAPI refuses a bad parameter.
OrderId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# The bodies Swagger's "Try it out" offers (/docs): each one places an order as it stands.
ORDER_EXAMPLES = {
    "limit": {
        "summary": "A limit buy (rests until filled or cancelled)",
        "value": {"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "100.00", "quantity": "0.5000"},
    },
    "market": {
        "summary": "A market buy (takes from the book now; what cannot fill expires)",
        "value": {"symbol": "BTC-USD", "side": "buy", "type": "market", "quantity": "0.0100"},
    },
}
NewOrder = Annotated[OrderCreate, Body(openapi_examples=ORDER_EXAMPLES)]
# One market's orders; empty or absent for all markets.
SymbolFilter = Annotated[str | None, Query(examples=["BTC-USD"])]

ERRORS: Responses = {**AUTH, **UNAVAILABLE}
WITH_BODY: Responses = {**ERRORS, **BAD_BODY, **TOO_LARGE}
NOT_FOUND: Responses = {404: error("Not one of the caller's orders")}
NOT_RESTING: Responses = {409: error("The order is no longer resting")}
TOO_MANY_RESTING: Responses = {409: error("The caller already has the most resting orders allowed in this market")}


@hot_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **WITH_BODY,
        **TOO_MANY_RESTING,
        200: {"description": "Same client_order_id again: the original order", "model": OrderPublic},
    },
)
async def place_order(
    exchange: ExchangeDep, trader: CurrentTrader, order_in: NewOrder, response: Response
) -> OrderPublic:
    """Place an order; the response is the order after matching, sent only once it is committed."""
    order, created = await exchange.commands.place_order(trader_id=trader.id, order_in=order_in)
    if not created:
        response.status_code = status.HTTP_200_OK
    return order


@router.get("", responses=ERRORS)
async def list_orders(
    exchange: ExchangeDep,
    trader: CurrentTrader,
    status: Literal["open", "closed", "all"] = "open",
    symbol: SymbolFilter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OrderPublic]:
    """The caller's orders, newest first: `open` = resting, `closed` = everything else."""
    return await exchange.reads.orders(trader_id=trader.id, status=status, symbol=symbol or None, limit=limit)


@router.delete("", responses=ERRORS)
async def cancel_all_orders(
    exchange: ExchangeDep, trader: CurrentTrader, symbol: SymbolFilter = None
) -> list[OrderPublic]:
    """Cancel all the caller's resting orders, in one market or in all."""
    return await exchange.commands.cancel_all(trader_id=trader.id, symbol=symbol or None)


@router.get("/{order_id:int}", responses={**ERRORS, **NOT_FOUND})
async def read_order(exchange: ExchangeDep, trader: CurrentTrader, order_id: OrderId) -> OrderPublic:
    """One of the caller's orders, with its fills."""
    return await exchange.reads.order(trader_id=trader.id, order_id=order_id)


@router.patch("/{order_id:int}", responses={**WITH_BODY, **NOT_FOUND, **NOT_RESTING})
async def amend_order(
    exchange: ExchangeDep, trader: CurrentTrader, order_id: OrderId, amend: OrderAmend
) -> OrderPublic:
    """Reduce a resting order's total quantity (it keeps its place in the queue), or give a new `price`.

    A new price is a cancel-replace in one transaction: the order is cancelled and the answer is a new order (new id,
    no client_order_id) for `quantity` or what was left, at the back of its price's queue; it may trade at once.
    """
    return await exchange.commands.amend_order(trader_id=trader.id, order_id=order_id, amend=amend)


@hot_router.delete("/{order_id:int}", responses={**ERRORS, **NOT_FOUND, **NOT_RESTING})
async def cancel_order(exchange: ExchangeDep, trader: CurrentTrader, order_id: OrderId) -> OrderPublic:
    """Cancel a resting order."""
    return await exchange.commands.cancel_order(trader_id=trader.id, order_id=order_id)


class NotAnOrderId(Convertor[str]):
    """A path segment that is neither a number (the order routes') nor "batch" (POST /orders/batch's own path)."""

    regex = r"(?!batch$)[^/]*[^/0-9][^/]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("not_an_order_id", NotAnOrderId())


@router.api_route("/{order_id:not_an_order_id}", methods=["GET", "PATCH", "DELETE"], include_in_schema=False)
async def not_an_order_id(order_id: str) -> None:
    """/orders/abc: a 422 naming the id, as for any parameter that is not what the route takes (not a 404)."""
    problem = {
        "type": "int_parsing",
        "loc": ("path", "order_id"),
        "msg": "Input should be a valid integer, unable to parse string as an integer",
        "input": order_id,
    }
    raise RequestValidationError([problem])
