"""Trader registration and the health check."""

from fastapi import APIRouter, status

from app import services
from app.api.deps import CurrentTrader
from models import ApiKeyPublic, TraderCreate, TraderCreated

router = APIRouter(tags=["traders"])

ERRORS = {409: {"description": "The username is taken"}}


@router.get("/health", tags=["health"], responses={503: {"description": "Still starting"}})
async def health() -> dict[str, str]:
    """Ready once the books are loaded (a 503 before); for load balancers and scripts, never a page."""
    services.current()
    return {"status": "ok"}


@router.post("/traders", status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def register_trader(trader_in: TraderCreate) -> TraderCreated:
    """Register a trader; the API key in the response is shown this once only."""
    return await (await services.started()).accounts.register(trader_in)


@router.post("/traders/me/api-key", responses={401: {"description": "Missing or invalid API key"}})
async def rotate_api_key(trader: CurrentTrader) -> ApiKeyPublic:
    """Replace the caller's API key: the new key is shown this once, and the old one stops working at once."""
    assert trader.id is not None
    return ApiKeyPublic(api_key=await (await services.started()).accounts.rotate_api_key(trader.id))
