"""The caller's balances (Authorization: Bearer <api_key>): what it has available and what its orders hold."""

from fastapi import APIRouter

from app.api.deps import CurrentTrader, ExchangeDep
from app.api.routes.responses import AUTH, UNAVAILABLE
from models import BalancePublic

router = APIRouter(prefix="/balances", tags=["balances"])


@router.get("", responses={**AUTH, **UNAVAILABLE})
async def read_balances(exchange: ExchangeDep, trader: CurrentTrader) -> list[BalancePublic]:
    """One row per asset of the markets: `available` to place orders with, `held` by resting orders."""
    return await exchange.reads.balances(trader.id)
