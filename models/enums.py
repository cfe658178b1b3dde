"""The trading vocabulary as string enums: sides, order types, times in force and order statuses.

A leaf module (no SQLModel, nothing of the app): the pure engine imports it as the models do. Each member is its own
string (`Side.BUY == "buy"`, same hash, same JSON), so rows and answers hold exactly what the plain strings were.
"""

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "GTC"  # good till cancelled: the remainder rests
    IOC = "IOC"  # immediate or cancel: the remainder expires
    FOK = "FOK"  # fill or kill: all at once, or nothing


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


# The statuses of an order still in the book.
RESTING_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
