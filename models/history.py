"""The trader's history as the API shows it: their fills with fees, and the ledger of every change of their balances."""

from datetime import datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from models.order import SideChoice

Liquidity = Literal["maker", "taker"]
LedgerKindChoice = Literal["deposit", "withdrawal", "opening", "trade", "fee"]


# Returned by the API: one of the caller's fills (one trade seen from the caller's order), newest first.
class TraderFillPublic(SQLModel):
    trade_id: int
    order_id: int
    symbol: str
    side: SideChoice  # the caller's order's side
    price: str
    quantity: str  # in the base asset
    quote_amount: str  # price x quantity, exact, in the quote asset (fee not included)
    fee: str
    fee_asset: str
    liquidity: Liquidity  # maker: the caller's order was resting; taker: it came in and matched
    created_at: datetime


# Returned by the API: a page of fills and the cursor of the next (older) page, null on the last page.
class FillsPage(SQLModel):
    fills: list[TraderFillPublic]
    next_cursor: str | None = Field(description="pass as `cursor` for the next, older page; null: no more")


# Returned by the API: one change of one of the caller's balances (available + held), with that balance after it.
class LedgerLinePublic(SQLModel):
    id: str  # unique and stable: "L<ledger entry id>" or "T<trade id>-base|quote|fee"
    asset: str
    kind: LedgerKindChoice
    amount: str  # signed: + in, - out
    balance: str  # the asset's balance (available + held) right after this change
    symbol: str | None  # the market of a trade or fee
    trade_id: int | None
    order_id: int | None
    created_at: datetime


# Returned by the API: a page of ledger lines and the cursor of the next (older) page, null on the last page.
class LedgerPage(SQLModel):
    entries: list[LedgerLinePublic]
    next_cursor: str | None = Field(description="pass as `cursor` for the next, older page; null: no more")
