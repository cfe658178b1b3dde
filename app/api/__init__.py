"""The REST API: served by the app's own FastAPI app, ahead of the NiceGUI mount (app/server.py)."""

from fastapi import APIRouter

from app.api.routes import balances, batch, markets, metrics, orders, traders

API_PREFIX = "/api/"
MAX_BODY_BYTES = 16 * 1024  # an order is a few hundred bytes; anything larger is refused with a 413

api_router = APIRouter(prefix="/api", max_body_size=MAX_BODY_BYTES)
api_router.include_router(traders.router)
api_router.include_router(markets.router)
api_router.include_router(batch.router)
api_router.include_router(orders.router)
api_router.include_router(balances.router)
api_router.include_router(metrics.router)
