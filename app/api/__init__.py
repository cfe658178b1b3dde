"""The REST API, mounted on NiceGUI's FastAPI app."""

from fastapi import APIRouter

from app.api.routes import markets, orders, traders

api_router = APIRouter(prefix="/api")
api_router.include_router(traders.router)
api_router.include_router(markets.router)
api_router.include_router(orders.router)
