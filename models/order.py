"""Orders and trades: the SQLModel tables and the shapes the API receives and returns."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.clock import utcnow
from models.enums import RESTING_STATUSES, OrderType, TimeInForce
from models.types import ExactDecimal

# SQLite only auto-increments an INTEGER primary key; PostgreSQL gets a BIGINT.
IdType = BigInteger().with_variant(Integer(), "sqlite")

# The API's choices are the enums' values (models/enums.py) as literals, so that the JSON schema and the 422 answers
# stay those clients know (an enum there adds a schema component and answers "enum" errors); tests/test_enums.py
# checks that each lists its enum's values.
SideChoice = Literal["buy", "sell"]
OrderTypeChoice = Literal["limit", "market"]
TimeInForceChoice = Literal["GTC", "IOC", "FOK"]
OrderStatusChoice = Literal["open", "partially_filled", "filled", "cancelled", "expired", "rejected"]
# The resting statuses as SQL, for the partial index below: "status IN ('open', 'partially_filled')".
RESTING_SQL = f"status IN ({', '.join(repr(str(status)) for status in RESTING_STATUSES)})"


# Properties to receive when placing an order; decimals accept strings or numbers.
class OrderCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict

    symbol: str = Field(min_length=1, max_length=32, schema_extra={"examples": ["BTC-USD"]})
    side: SideChoice
    type: OrderTypeChoice = "limit"
    price: Decimal | None = Field(default=None, schema_extra={"examples": ["100.00"]})
    quantity: Decimal = Field(schema_extra={"examples": ["0.5000"]})
    # None (or omitted) is the order type's own default: a market order never rests, so GTC would be refused for one.
    time_in_force: TimeInForceChoice | None = Field(
        default=None,
        description="GTC, IOC or FOK. Omitted or null: GTC for a limit order, IOC for a market order. A market order "
        "never rests, so GTC is refused for one (422 naming time_in_force).",
    )
    post_only: StrictBool = False  # as documented: true or false, not 0, 1 or "yes"
    client_order_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _time_in_force_of_the_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("time_in_force") is None:
            market = data.get("type") == OrderType.MARKET
            return {**data, "time_in_force": TimeInForce.IOC if market else TimeInForce.GTC}
        return data

    @field_validator("time_in_force")
    @classmethod
    def _market_orders_never_rest(cls, value: str, info: ValidationInfo) -> str:
        if value == TimeInForce.GTC and info.data.get("type") == OrderType.MARKET:
            raise PydanticCustomError("market_order_gtc", "a market order never rests: use IOC or FOK, not GTC")
        return value


# Properties to receive when amending an order: a lower quantity keeps its place in the queue; a new price
# cancel-replaces it (a new order, with `quantity` or what was left, at the back of its price's queue).
class OrderAmend(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict

    quantity: Decimal | None = Field(default=None, schema_extra={"examples": ["0.2500"]})
    price: Decimal | None = Field(default=None, schema_extra={"examples": ["101.00"]})

    @model_validator(mode="after")
    def _something_to_change(self) -> "OrderAmend":
        if self.quantity is None and self.price is None:
            raise PydanticCustomError("nothing_to_amend", "give a quantity (to reduce) or a price (to replace)")
        return self


# Database model: `sequence` is the market sequence at acceptance, which orders the FIFO of a price level.
class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("trader_id", "client_order_id", name="uq_orders_trader_client_order_id"),
        Index("ix_orders_market_status_sequence", "market_id", "status", "sequence"),
        Index("ix_orders_trader_id_id", "trader_id", "id"),
        # Only the resting orders, in the order the writer reloads a book (migration 0002).
        Index(
            "ix_orders_resting_market_sequence",
            "market_id",
            "sequence",
            "id",
            postgresql_where=text(RESTING_SQL),
            sqlite_where=text(RESTING_SQL),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(IdType, primary_key=True, autoincrement=True))
    market_id: int = Field(foreign_key="markets.id")
    trader_id: int = Field(foreign_key="traders.id")
    client_order_id: str | None = Field(default=None, max_length=64)
    side: str = Field(max_length=4)
    type: str = Field(max_length=6)
    price: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    quantity: Decimal = Field(sa_type=ExactDecimal)
    filled_quantity: Decimal = Field(sa_type=ExactDecimal)
    status: str = Field(max_length=16)
    time_in_force: str = Field(max_length=3)
    post_only: bool = False
    sequence: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# Database model: one fill between a resting (maker) order and an incoming (taker) order.
class Trade(SQLModel, table=True):
    __tablename__ = "trades"
    __table_args__ = (Index("ix_trades_market_id_id", "market_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(IdType, primary_key=True, autoincrement=True))
    market_id: int = Field(foreign_key="markets.id")
    sequence: int = Field(sa_type=BigInteger)
    price: Decimal = Field(sa_type=ExactDecimal)
    quantity: Decimal = Field(sa_type=ExactDecimal)
    taker_side: str = Field(max_length=4)
    taker_order_id: int = Field(sa_type=BigInteger, index=True)
    maker_order_id: int = Field(sa_type=BigInteger, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # What each side paid, in the quote asset (app/exchange/funds.py: rounded down to the market's notional decimals).
    # Added by migration 0004: last, with server defaults.
    maker_fee: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal, sa_column_kwargs={"server_default": "0"})
    taker_fee: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal, sa_column_kwargs={"server_default": "0"})


# Shared properties of a trade as the API shows it.
class TradeBase(SQLModel):
    id: int
    price: str
    quantity: str
    taker_side: SideChoice
    created_at: datetime


# Returned by the API: one fill of an order, with the fee this order paid on it.
class FillPublic(TradeBase):
    fee: str
    fee_asset: str


# Returned by the API: a trade on a market's tape (no fees: they are each side's own business).
class TradePublic(TradeBase):
    symbol: str


# Returned by the API: an order in its current state, with its fills.
class OrderPublic(SQLModel):
    id: int
    client_order_id: str | None
    symbol: str
    side: SideChoice
    type: OrderTypeChoice
    price: str | None
    quantity: str
    filled_quantity: str
    remaining_quantity: str
    average_price: str | None  # the fills' quantity-weighted mean at the tick; None before the first fill
    status: OrderStatusChoice
    time_in_force: TimeInForceChoice
    post_only: bool
    created_at: datetime
    updated_at: datetime
    trades: list[FillPublic]


# Returned by the API: one price level of a book.
class LevelPublic(SQLModel):
    price: str
    quantity: str
    orders: int


# Returned by the API: a depth-limited book, best first, at a known sequence.
class BookPublic(SQLModel):
    symbol: str
    sequence: int
    bids: list[LevelPublic]
    asks: list[LevelPublic]


# Returned by the API: one candle (OHLCV) of a market, built from its trades; the last one is still open.
class CandlePublic(SQLModel):
    open_time: datetime
    close_time: datetime
    open: str
    high: str
    low: str
    close: str
    volume: str  # in the base asset
    quote_volume: str  # sum of price x quantity, in the quote asset, exact
    trades: int
