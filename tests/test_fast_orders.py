"""Placing and cancelling one order answer the same through app/api/fast_orders.py as through the FastAPI routes.

A body sent as `application/json; charset=utf-8` is left to the routes; plain `application/json` is answered by the
fast path. Each pair of requests does the same thing once each way, and the answers must match byte for byte apart
from the order's id and times.
"""

import json
import re
from typing import Any

import httpx

from tests.conftest import TraderFactory

FAST = {"content-type": "application/json"}
ROUTE = {"content-type": "application/json; charset=utf-8"}
VARYING = re.compile(rb'"(id|client_order_id|created_at|updated_at)":("[^"]*"|[0-9]+)')


def post(client: httpx.Client, headers: dict[str, str], **order: Any) -> httpx.Response:
    body = json.dumps({"symbol": "BTC-USD", **order}).encode()
    return client.post("/api/orders", content=body, headers=headers)


def same_shape(fast: httpx.Response, route: httpx.Response) -> None:
    """Status, content type and the body's bytes alike, with what differs between two orders blanked out."""
    assert (fast.status_code, fast.headers["content-type"]) == (route.status_code, route.headers["content-type"])
    assert VARYING.sub(rb'"\1":_', fast.content) == VARYING.sub(rb'"\1":_', route.content)


def test_a_resting_order_is_answered_alike_by_both_paths(trader: TraderFactory) -> None:
    _, _, client = trader()
    order = {"side": "buy", "price": "101.00", "quantity": "0.2500", "client_order_id": None}
    fast, route = post(client, FAST, **order), post(client, ROUTE, **order)
    assert fast.status_code == 201, fast.text
    same_shape(fast, route)


def test_a_fill_and_a_repeated_client_order_id_are_answered_alike_by_both_paths(trader: TraderFactory) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    for headers in (FAST, ROUTE):
        assert post(maker, headers, side="sell", price="102.00", quantity="0.3000").status_code == 201
    fills = [post(taker, headers, side="buy", price="102.00", quantity="0.3000") for headers in (FAST, ROUTE)]
    assert fills[0].json()["status"] == "filled", fills[0].text
    same_shape(*fills)
    originals = [
        post(taker, headers, side="buy", price="90.00", quantity="0.1000", client_order_id=f"again-{index}")
        for index, headers in enumerate((FAST, ROUTE))
    ]
    again = [
        post(taker, headers, side="buy", price="90.00", quantity="0.1000", client_order_id=f"again-{index}")
        for index, headers in enumerate((FAST, ROUTE))
    ]
    assert [response.status_code for response in again] == [200, 200]
    assert [response.json()["id"] for response in again] == [response.json()["id"] for response in originals]
    same_shape(*again)


def test_cancelling_is_answered_alike_by_both_paths(trader: TraderFactory) -> None:
    _, _, client = trader()
    placed = [post(client, FAST, side="sell", price="150.00", quantity="0.1000").json() for _ in range(2)]
    # A DELETE that carries a body (which the route ignores) is left to FastAPI.
    fast = client.delete(f"/api/orders/{placed[0]['id']}")
    route = client.request("DELETE", f"/api/orders/{placed[1]['id']}", content=b"{}")
    assert fast.status_code == 200 and fast.json()["status"] == "cancelled", fast.text
    same_shape(fast, route)
    # Cancelling again: the same 409 both ways.
    again = client.delete(f"/api/orders/{placed[0]['id']}")
    again_route = client.request("DELETE", f"/api/orders/{placed[1]['id']}", content=b"{}")
    assert again.status_code == again_route.status_code == 409, again.text
    assert again.text.replace(str(placed[0]["id"]), "_") == again_route.text.replace(str(placed[1]["id"]), "_")


def test_refusals_are_the_routes_own(trader: TraderFactory, api: httpx.Client) -> None:
    _, _, client = trader()
    unknown = post(client, FAST, side="buy", price="100.00", quantity="0.1000", symbol="NOPE-USD")
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "symbol"], unknown.text
    assert post(client, FAST, side="buy", price="100.001", quantity="0.1000").json() == (
        post(client, ROUTE, side="buy", price="100.001", quantity="0.1000").json()
    )
    no_key = api.post("/api/orders", json={"symbol": "BTC-USD", "side": "buy", "price": "1.00", "quantity": "1"})
    assert no_key.status_code == 401 and no_key.headers["www-authenticate"] == "Bearer", no_key.text
    missing = client.delete("/api/orders/999999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "order 999999999 not found"}, missing.text
    not_json = client.post("/api/orders", content=b"{", headers=FAST)
    assert not_json.status_code == 422 and not_json.json()["detail"][0]["type"] == "json_invalid", not_json.text
