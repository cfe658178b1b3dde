"""Up to 20 orders in one request, each placed on its own with its own answer, as venues' batch routes do."""

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import ValidationError
from sqlmodel import Field, SQLModel

from app.api.deps import CurrentTrader, ExchangeDep, error_body
from app.api.routes.responses import AUTH, BAD_BODY, TOO_LARGE, UNAVAILABLE
from app.errors import ServiceError
from models import OrderCreate, OrderPublic

router = APIRouter(prefix="/orders", tags=["orders"])

MAX_BATCH = 20


# Received by the API: the orders of a batch, placed in the order given. Each is checked on its own, so one bad
# order is answered with its own 422 and the others still go through.
class OrderBatch(SQLModel):
    orders: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


# Returned by the API: one order's answer within a batch, with the status a single POST /api/orders would have had.
class BatchResultPublic(SQLModel):
    status: int
    order: OrderPublic | None = None
    detail: str | list[dict[str, Any]] | None = None


def _validation_detail(index: int, error: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", "orders", index, *problem["loc"]], "msg": problem["msg"], "type": problem["type"]}
        for problem in error.errors(include_url=False, include_context=False, include_input=False)
    ]


@router.post("/batch", responses={**AUTH, **UNAVAILABLE, **BAD_BODY, **TOO_LARGE})
async def place_orders(
    exchange: ExchangeDep, trader: CurrentTrader, batch: Annotated[OrderBatch, Body()]
) -> list[BatchResultPublic]:
    """Place up to 20 orders, one after another; the answer lists each order's result in the order given.

    Each result has the `status` a single `POST /api/orders` would have answered (201 placed, 200 the same
    `client_order_id` again, 4xx refused with its `detail`, 503 not taken): a refused order changes nothing and does
    not stop the others.
    """
    results: list[BatchResultPublic] = []
    for index, raw in enumerate(batch.orders):
        try:
            order_in = OrderCreate.model_validate(raw)
        except ValidationError as error:
            results.append(BatchResultPublic(status=422, detail=_validation_detail(index, error)))
            continue
        try:
            order, created = await exchange.commands.place_order(trader_id=trader.id, order_in=order_in)
        except ServiceError as error:
            detail = error_body(error)["detail"]
            if isinstance(detail, list):
                detail = [{**problem, "loc": ["body", "orders", index, *problem["loc"][1:]]} for problem in detail]
            results.append(BatchResultPublic(status=error.status_code, detail=detail))
            continue
        results.append(BatchResultPublic(status=201 if created else 200, order=order))
    return results
