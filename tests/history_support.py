"""Helpers of the history tests: placing crossing orders, walking a paged list to its end, reading balances."""

from decimal import Decimal
from typing import Any

import httpx


def place(client: httpx.Client, side: str, price: str | None, quantity: str, symbol: str = "BTC-USD") -> dict:
    body: dict[str, Any] = {"symbol": symbol, "side": side, "quantity": quantity}
    if price is None:
        body.update(type="market")
    else:
        body["price"] = price
    response = client.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def cross(seller: httpx.Client, buyer: httpx.Client, price: str = "100.00", quantity: str = "0.0100") -> dict:
    """One trade: the seller rests, the buyer takes it; the buyer's order, with its fill."""
    place(seller, "sell", price, quantity)
    bought = place(buyer, "buy", price, quantity)
    assert bought["status"] == "filled", bought
    return bought


def page(client: httpx.Client, path: str, **params: Any) -> dict:
    response = client.get(path, params={name: value for name, value in params.items() if value is not None})
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: httpx.Client, path: str, rows: str, **params: Any) -> list[dict]:
    """Every row of a paged list, following `next_cursor` to the end."""
    found: list[dict] = []
    cursor = None
    while True:
        body = page(client, path, cursor=cursor, **params)
        found.extend(body[rows])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def totals(client: httpx.Client) -> dict[str, Decimal]:
    """The caller's balance of each asset: available + held."""
    response = client.get("/api/balances")
    assert response.status_code == 200, response.text
    return {row["asset"]: Decimal(row["available"]) + Decimal(row["held"]) for row in response.json()}
