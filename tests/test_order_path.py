"""Placing and cancelling one order have one path: a lean route each, declared and documented like every other route.

In-process: the app as `create_app` builds it, with its lifespan (real SQLite database, real exchange), through ASGI.
Each test's requests come from an address of their own, so that one test's wrong keys never throttle another's.
"""

import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.types import Receive, Scope, Send

from app.api.body_limit import DeclaredBodyLimit
from app.api.lean_dispatch import LeanRoutesFirst
from app.api.lean_route import LeanRoute
from app.api.routes import orders
from app.server import create_app
from app.settings import load_settings
from app.stream.endpoint import StreamFirst
from tests.servers import STARTING_BALANCES, sqlite_url, unique_username

in_the_apps_loop = pytest.mark.asyncio(loop_scope="module")  # the loop the app's lifespan started in

BUY = {"symbol": "BTC-USD", "side": "buy", "price": "10.00", "quantity": "0.1000"}
ORDER_ROUTES = {
    ("POST", "/api/orders"): orders.place_order,
    ("DELETE", "/api/orders/{order_id:int}"): orders.cancel_order,
}
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    database = sqlite_url(Path(tmp_path_factory.mktemp("db")) / "orderbook.db")
    environment = {
        "DATABASE_URL": database,
        "STORAGE_SECRET": "order-path",
        "ORDERBOOK_STARTING_BALANCES": STARTING_BALANCES,
    }
    return create_app(load_settings([], environment))


class RouteRecorder:
    """The app, noting the route that answered each request (the router writes it into the request's scope)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.routes: list[Any] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.routes.append(scope.get("route"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def recorder(app: FastAPI) -> AsyncIterator[RouteRecorder]:
    async with app.router.lifespan_context(app):
        yield RouteRecorder(app)


@pytest_asyncio.fixture(loop_scope="module")
async def client(recorder: RouteRecorder) -> AsyncIterator[httpx.AsyncClient]:
    """A client from an address of its own, signed up as a new trader (its key sent with every request)."""
    transport = httpx.ASGITransport(recorder, client=(f"198.51.100.{next(_addresses)}", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as anonymous:
        signed_up = await anonymous.post("/api/traders", json={"username": unique_username(), "password": "p" * 12})
        assert signed_up.status_code == 201, signed_up.text
        anonymous.headers["Authorization"] = f"Bearer {signed_up.json()['api_key']}"
        yield anonymous
        await anonymous.delete("/api/orders")


def routes_serving(app: FastAPI, method: str, path: str) -> list[Any]:
    return [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if context.path == path and method in (context.methods or ())
    ]


@pytest.mark.parametrize(("method", "path"), list(ORDER_ROUTES))
def test_placing_and_cancelling_are_each_declared_once_as_a_lean_route(app: FastAPI, method: str, path: str) -> None:
    served_by = routes_serving(app, method, path)
    assert len(served_by) == 1, served_by
    assert isinstance(served_by[0], LeanRoute) and served_by[0].endpoint is ORDER_ROUTES[method, path]


def test_no_middleware_of_the_app_answers_orders_itself(app: FastAPI) -> None:
    # The stream's layer hands on only its websocket; the declared body limit refuses an oversized body before any
    # route (a 413 in JSON); inside it, the lean routes are handed their requests by the app's routes themselves,
    # those the router also holds and documents.
    assert [middleware.cls for middleware in app.user_middleware] == [StreamFirst, DeclaredBodyLimit, LeanRoutesFirst]
    handed_to = app.user_middleware[2].kwargs["routes"]
    assert all(any(route is served for served in app.router.routes) for route in handed_to)
    assert {(route.endpoint, tuple(route.methods)) for route in handed_to} == {
        (endpoint, (method,)) for (method, _path), endpoint in ORDER_ROUTES.items()
    }


@in_the_apps_loop
async def test_an_order_is_placed_and_cancelled_by_its_lean_route(
    recorder: RouteRecorder, client: httpx.AsyncClient
) -> None:
    recorder.routes.clear()
    placed = await client.post("/api/orders", json=BUY)
    assert placed.status_code == 201, placed.text
    cancelled = await client.delete(f"/api/orders/{placed.json()['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert [route.endpoint for route in recorder.routes] == [orders.place_order, orders.cancel_order]
    assert all(isinstance(route, LeanRoute) for route in recorder.routes)


def test_the_openapi_document_describes_placing_and_cancelling(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    place, cancel = paths["/api/orders"]["post"], paths["/api/orders/{order_id}"]["delete"]
    assert place["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OrderCreate"}
    assert set(place["responses"]) == {"200", "201", "400", "401", "409", "413", "422", "429", "503"}
    assert place["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderPublic"
    }
    (order_id,) = cancel["parameters"]
    assert (order_id["in"], order_id["schema"]["minimum"], order_id["schema"]["maximum"]) == ("path", 1, 2**63 - 1)
    assert set(cancel["responses"]) == {"200", "401", "404", "409", "422", "429", "503"}
    assert place["security"] == cancel["security"] == [{"HTTPBearer": []}]


@in_the_apps_loop
async def test_placing_with_the_same_client_order_id_again_answers_200_with_the_original(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/api/orders", json={**BUY, "client_order_id": "once"})
    again = await client.post("/api/orders", json={**BUY, "client_order_id": "once"})
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json() == first.json()


@in_the_apps_loop
@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
async def test_an_order_is_read_from_any_json_content_type(client: httpx.AsyncClient, content_type: str) -> None:
    placed = await client.post("/api/orders", content=json.dumps(BUY), headers={"content-type": content_type})
    assert placed.status_code == 201, placed.text


@in_the_apps_loop
async def test_a_body_that_is_not_utf8_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/orders", content=b'{"symbol": "\xff"}', headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"detail": "There was an error parsing the body"})


@in_the_apps_loop
async def test_a_body_over_16_kib_is_a_413_in_json_whether_declared_or_found_while_reading(
    client: httpx.AsyncClient,
) -> None:
    body = json.dumps(BUY).encode()[:-1] + b" " * 16 * 1024 + b"}"

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the router's limit stops it as it arrives
        yield body[:1000]
        yield body[1000:]

    declared = await client.post("/api/orders", content=body, headers={"content-type": "application/json"})
    found = await client.post("/api/orders", content=chunked(), headers={"content-type": "application/json"})
    assert (declared.status_code, declared.json()) == (413, {"detail": "request body over 16384 bytes"})
    assert (found.status_code, found.json()) == (413, {"detail": "Content Too Large"})
    assert (await client.get("/api/orders")).json() == []


@in_the_apps_loop
@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_a_wrong_key_is_a_401_asking_for_a_bearer_key(client: httpx.AsyncClient, method: str) -> None:
    path = "/api/orders" if method == "POST" else "/api/orders/1"
    response = await client.request(method, path, json=BUY, headers={"Authorization": "Bearer lob_wrong"})
    assert (response.status_code, response.headers["www-authenticate"]) == (401, "Bearer"), response.text


@in_the_apps_loop
async def test_twenty_wrong_keys_make_the_next_wrong_key_a_429_with_retry_after_and_the_valid_key_still_trades(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(20):
        assert (
            await client.post("/api/orders", json=BUY, headers={"Authorization": "Bearer lob_guess"})
        ).status_code == 401
    refused = await client.post("/api/orders", json=BUY, headers={"Authorization": "Bearer lob_guess"})
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    placed = await client.post("/api/orders", json=BUY)  # the client's own, valid key
    assert placed.status_code == 201, placed.text


@in_the_apps_loop
async def test_a_delete_with_a_body_cancels_as_one_without(client: httpx.AsyncClient) -> None:
    placed = (await client.post("/api/orders", json=BUY)).json()
    cancelled = await client.request("DELETE", f"/api/orders/{placed['id']}", content=b'{"ignored": true}')
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text


@in_the_apps_loop
@pytest.mark.parametrize(("order_id", "status"), [(0, 422), (2**63, 422), (2**63 - 1, 404)])
async def test_an_order_id_outside_1_to_2_63_minus_1_is_a_422_naming_it(
    client: httpx.AsyncClient, order_id: int, status: int
) -> None:
    response = await client.delete(f"/api/orders/{order_id}")
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["detail"][0]["loc"] == ["path", "order_id"]


@in_the_apps_loop
async def test_a_batch_of_orders_is_still_placed_by_its_own_route(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/orders/batch", json={"orders": [BUY, {**BUY, "price": "10.001"}]})
    assert response.status_code == 200, response.text
    assert [result["status"] for result in response.json()] == [201, 422]


def test_changing_an_orders_price_or_size_is_documented_as_amending_it(app: FastAPI) -> None:
    amend = app.openapi()["paths"]["/api/orders/{order_id}"]["patch"]
    assert amend["summary"] == "Amend Order"


@in_the_apps_loop
async def test_a_key_sent_without_the_word_bearer_is_told_how_to_send_it(client: httpx.AsyncClient) -> None:
    api_key = client.headers["authorization"].removeprefix("Bearer ")
    for method, path in (("POST", "/api/orders"), ("GET", "/api/balances")):
        refused = await client.request(method, path, json=BUY, headers={"Authorization": api_key})
        assert refused.status_code == 401, refused.text
        assert "'Bearer <api_key>'" in refused.json()["detail"] and "must be" in refused.json()["detail"]


def test_the_api_docs_start_with_how_to_authenticate_and_a_link_back_to_the_trading_page(app: FastAPI) -> None:
    introduction = app.openapi()["info"]["description"]
    assert "Bearer <api_key>" in introduction and "](/)" in introduction
