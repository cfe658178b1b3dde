"""Balances and the ledger: what each trader holds of each asset, and every movement of money in or out."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from models.clock import utcnow
from models.order import IdType
from models.types import ExactDecimal

LedgerKind = str  # "deposit" | "withdrawal" | "opening"


# Database model: one row per trader and asset; `held` is what the trader's resting orders can still spend.
# Neither is ever negative; the market writers change them in the same transaction as the trades and cancels.
class Balance(SQLModel, table=True):
    __tablename__ = "balances"

    trader_id: int = Field(
        sa_column=Column(Integer, ForeignKey("traders.id"), primary_key=True, autoincrement=False, nullable=False)
    )
    asset: str = Field(sa_column=Column(String(16), primary_key=True, nullable=False))
    available: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal)
    held: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal)


# Database model: money enters or leaves only through this table (signed: + deposit, - withdrawal; "opening" credits
# what a trader's resting orders could spend when balances were introduced, migration 0004).
class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"

    id: int | None = Field(default=None, sa_column=Column(IdType, primary_key=True, autoincrement=True))
    trader_id: int = Field(foreign_key="traders.id", index=True)
    asset: str = Field(max_length=16)
    amount: Decimal = Field(sa_type=ExactDecimal)
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


# Returned by the API: one asset of the caller's balances, decimals as strings.
class BalancePublic(SQLModel):
    asset: str
    available: str
    held: str
