"""SQLModel tables and API schemas."""

from models.balance import Balance, BalancePublic, LedgerEntry
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
    "Balance",
    "BalancePublic",
    "BookPublic",
    "CandlePublic",
    "FillPublic",
    "LedgerEntry",
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
