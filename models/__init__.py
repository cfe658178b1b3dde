"""SQLModel tables and API schemas."""

from models.journal import MarketChange
from models.market import Market, MarketBase, MarketPublic
from models.order import (
    BookPublic,
    CandlePublic,
    FillPublic,
    LevelPublic,
    Order,
    OrderAmend,
    OrderCreate,
    OrderPublic,
    Trade,
    TradePublic,
)
from models.trader import ApiKeyPublic, Trader, TraderCreate, TraderCreated

__all__ = [
    "ApiKeyPublic",
    "BookPublic",
    "CandlePublic",
    "FillPublic",
    "LevelPublic",
    "Market",
    "MarketBase",
    "MarketChange",
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
