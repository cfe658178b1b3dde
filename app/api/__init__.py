"""The REST API, mounted on NiceGUI's FastAPI app."""

from fastapi import APIRouter

from app.api.routes import markets, metrics, orders, traders

MAX_BODY_BYTES = 16 * 1024  # an order is a few hundred bytes; anything larger is refused with a 413

api_router = APIRouter(prefix="/api", max_body_size=MAX_BODY_BYTES)
api_router.include_router(traders.router)
api_router.include_router(markets.router)
api_router.include_router(orders.router)
api_router.include_router(metrics.router)
