"""The REST API: served by the app's own FastAPI app, ahead of the NiceGUI mount (app/server.py)."""

from fastapi import APIRouter

from app.api.body_limit import API_PREFIX, MAX_BODY_BYTES
from app.api.routes import balances, batch, history, markets, metrics, orders, traders

__all__ = ["API_PREFIX", "MAX_BODY_BYTES", "api_router", "hot_routes"]

# Placing and cancelling one order, the API's hottest requests: the app matches them before any other route
# (app/server.py), because walking FastAPI's included routers costs more than the order's own request handling.
hot_routes = orders.hot_router.routes

api_router = APIRouter(prefix="/api", max_body_size=MAX_BODY_BYTES)
api_router.include_router(traders.router)
api_router.include_router(markets.router)
api_router.include_router(batch.router)
api_router.include_router(orders.router)
api_router.include_router(balances.router)
api_router.include_router(history.router)
api_router.include_router(metrics.router)
