"""Trader registration and API-key rotation."""

from fastapi import APIRouter, status

from app import services
from app.api.deps import CurrentTrader
from app.api.routes.responses import AUTH, BAD_BODY, TOO_LARGE, UNAVAILABLE, Responses, error
from models import ApiKeyPublic, TraderCreate, TraderCreated

router = APIRouter(tags=["traders"])

REGISTER_ERRORS: Responses = {409: error("The username is taken"), **BAD_BODY, **TOO_LARGE, **UNAVAILABLE}


@router.post("/traders", status_code=status.HTTP_201_CREATED, responses=REGISTER_ERRORS)
async def register_trader(trader_in: TraderCreate) -> TraderCreated:
    """Register a trader; the API key in the response is shown this once only."""
    return await (await services.started()).accounts.register(trader_in)


@router.post("/traders/me/api-key", responses={**AUTH, **UNAVAILABLE})
async def rotate_api_key(trader: CurrentTrader) -> ApiKeyPublic:
    """Replace the caller's API key: the new key is shown this once, and the old one stops working at once."""
    return ApiKeyPublic(api_key=await (await services.started()).accounts.rotate_api_key(trader.id))
