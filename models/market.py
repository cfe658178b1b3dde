"""Markets: what is traded, its tick and lot, its bounds, and the sequence of its book."""

from decimal import Decimal

from sqlmodel import Field, SQLModel

from models.types import ExactDecimal


# Shared properties of a market.
class MarketBase(SQLModel):
    symbol: str = Field(max_length=32, unique=True, index=True)
    base: str = Field(max_length=16)
    quote: str = Field(max_length=16)
    tick_size: Decimal = Field(sa_type=ExactDecimal)
    lot_size: Decimal = Field(sa_type=ExactDecimal)
    min_notional: Decimal = Field(sa_type=ExactDecimal)
    max_price: Decimal = Field(sa_type=ExactDecimal)
    max_quantity: Decimal = Field(sa_type=ExactDecimal)


# Database model: `sequence` grows by one with every change of the book, in the same transaction.
class Market(MarketBase, table=True):
    __tablename__ = "markets"

    id: int | None = Field(default=None, primary_key=True)
    sequence: int = Field(default=0)


# Returned by the API: decimals as strings formatted to the market's tick or lot.
class MarketPublic(SQLModel):
    symbol: str
    base: str
    quote: str
    tick_size: str
    lot_size: str
    min_notional: str
    max_price: str
    max_quantity: str
