"""The change journal: what each committed batch did to a market's book, for other processes to replay."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from models.clock import utcnow


# Database model: one row per committed batch, written in the batch's transaction and pruned to the newest rows.
# `changes` is JSON (decimal amounts as strings): the orders that came to rest, were amended or left, and the trades.
class MarketChange(SQLModel, table=True):
    __tablename__ = "market_changes"

    market_id: int = Field(
        sa_column=Column(Integer, ForeignKey("markets.id"), primary_key=True, autoincrement=False, nullable=False)
    )
    # The market's sequence after the batch; the changes name the one before it, so gaps show.
    sequence: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False, nullable=False))
    changes: str = Field(sa_column=Column(Text, nullable=False))
    traders: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of the ids whose orders changed
    created_at: datetime = Field(default_factory=utcnow)
