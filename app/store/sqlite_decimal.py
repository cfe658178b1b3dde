"""Exact decimal aggregates for SQLite, which stores money as text: max, min, sum and sum of price x quantity."""

import sqlite3
from decimal import Decimal


class _Max:
    def __init__(self) -> None:
        self.value: Decimal | None = None

    def step(self, value: str | None) -> None:
        if value is not None and (self.value is None or Decimal(value) > self.value):
            self.value = Decimal(value)

    def finalize(self) -> str | None:
        return None if self.value is None else format(self.value, "f")


class _Min(_Max):
    def step(self, value: str | None) -> None:
        if value is not None and (self.value is None or Decimal(value) < self.value):
            self.value = Decimal(value)


class _Sum:
    def __init__(self) -> None:
        self.value = Decimal(0)

    def step(self, value: str | None) -> None:
        if value is not None:
            self.value += Decimal(value)

    def finalize(self) -> str:
        return format(self.value, "f")


class _Notional(_Sum):
    def step(self, price: str | None, quantity: str | None = None) -> None:
        if price is not None and quantity is not None:
            self.value += Decimal(price) * Decimal(quantity)


def register(connection: sqlite3.Connection) -> None:
    """Make decimal_max, decimal_min, decimal_sum and decimal_notional available on this connection."""
    connection.create_aggregate("decimal_max", 1, _Max)  # type: ignore[arg-type]
    connection.create_aggregate("decimal_min", 1, _Min)  # type: ignore[arg-type]
    connection.create_aggregate("decimal_sum", 1, _Sum)  # type: ignore[arg-type]
    connection.create_aggregate("decimal_notional", 2, _Notional)  # type: ignore[arg-type]
