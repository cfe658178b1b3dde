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


# Database model: `sequence` grows by one with every change of the book, in the same transaction. `fees_collected`
# (in the quote asset) lives on the market row because every batch already locks it: fees add no lock contention.
class Market(MarketBase, table=True):
    __tablename__ = "markets"

    id: int | None = Field(default=None, primary_key=True)
    sequence: int = Field(default=0)
    # Added by migration 0004, so last and with server defaults, as ALTER TABLE ... ADD COLUMN made them.
    maker_fee_bps: int = Field(default=0, ge=0, le=10000, sa_column_kwargs={"server_default": "0"})
    taker_fee_bps: int = Field(default=0, ge=0, le=10000, sa_column_kwargs={"server_default": "0"})
    fees_collected: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal, sa_column_kwargs={"server_default": "0"})


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
    maker_fee_bps: int
    taker_fee_bps: int
