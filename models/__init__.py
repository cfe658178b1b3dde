"""SQLModel tables and API schemas."""

from models.market import Market, MarketBase, MarketPublic
from models.order import (
    BookPublic,
    FillPublic,
    LevelPublic,
    Order,
    OrderAmend,
    OrderCreate,
    OrderPublic,
    Trade,
    TradePublic,
)
from models.trader import Trader, TraderCreate, TraderCreated

__all__ = [
    "BookPublic",
    "FillPublic",
    "LevelPublic",
    "Market",
    "MarketBase",
    "MarketPublic",
    "Order",
    "OrderAmend",
    "OrderCreate",
    "OrderPublic",
    "Trade",
    "TradePublic",
    "Trader",
    "TraderCreate",
    "TraderCreated",
]
