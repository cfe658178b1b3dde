"""Traders: accounts that sign in with a password and trade with an API key."""

from datetime import datetime

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from models.clock import utcnow


# Shared properties of a trader.
class TraderBase(SQLModel):
    username: str = Field(
        min_length=3, max_length=32, unique=True, index=True, schema_extra={"pattern": r"^[a-z0-9_-]+$"}
    )


# Properties to receive on registration.
class TraderCreate(TraderBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict

    password: str = Field(min_length=8, max_length=128)


# Database model: only hashes of the password and of the API key are kept.
class Trader(TraderBase, table=True):
    __tablename__ = "traders"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    api_key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


# Returned once, when a key is rotated: the new key (the old one no longer works).
class ApiKeyPublic(SQLModel):
    api_key: str


# Returned once, on registration: the only time the API key is shown.
class TraderCreated(SQLModel):
    id: int
    username: str
    api_key: str
