"""The REST contract's errors: 401 without a key, 404 for what is not yours, 409 for what no longer rests, 422."""

from typing import Any

import httpx
import pytest

from tests.conftest import TraderFactory

# Validation does not depend on the database: one backend is enough.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module")

VALID_ORDER = {"symbol": "BTC-USD", "side": "buy", "price": "100.00", "quantity": "0.1000"}
MISSING = object()


def assert_invalid(response: httpx.Response, fields: set[str]) -> None:
    """A 422 in FastAPI's shape that names one of `fields` as the last element of `loc` and gives a reason."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    named = [entry for entry in detail if entry["loc"] and entry["loc"][-1] in fields]
    assert named, f"no error for {fields}: {detail}"
    assert all(isinstance(entry["msg"], str) and entry["msg"] for entry in named)


def place(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/orders", json=VALID_ORDER | fields)
    assert response.status_code == 201, response.text
    return response.json()


def book(client: httpx.Client, symbol: str = "BTC-USD") -> dict[str, Any]:
    return client.get(f"/api/markets/{symbol}/book").json()


def stored_orders(client: httpx.Client) -> list[dict[str, Any]]:
    return client.get("/api/orders", params={"status": "all", "limit": 500}).json()


INVALID_ORDERS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("price off the tick", {"price": "100.001"}, {"price"}),
    ("price off the tick as a number", {"price": 100.005}, {"price"}),
    ("quantity off the lot", {"quantity": "0.00001"}, {"quantity"}),
    ("quantity off the ETH lot", {"symbol": "ETH-USD", "quantity": "0.0001"}, {"quantity"}),
    ("below the minimum notional", {"price": "1.00", "quantity": "0.5"}, {"price", "quantity"}),
    ("price above the maximum", {"side": "sell", "price": "1000000.01"}, {"price"}),
    ("quantity above the maximum", {"price": "0.01", "quantity": "1000.0001"}, {"quantity"}),
    ("ETH quantity above the maximum", {"symbol": "ETH-USD", "price": "0.01", "quantity": "10000.001"}, {"quantity"}),
    ("zero price", {"price": "0"}, {"price"}),
    ("negative price", {"price": "-100.00"}, {"price"}),
    ("zero quantity", {"quantity": "0"}, {"quantity"}),
    ("negative quantity", {"quantity": -0.1}, {"quantity"}),
    ("price NaN", {"price": "NaN"}, {"price"}),
    ("price Infinity", {"price": "Infinity"}, {"price"}),
    ("quantity NaN", {"quantity": "NaN"}, {"quantity"}),
    ("quantity sNaN", {"quantity": "sNaN"}, {"quantity"}),
    ("quantity -Infinity", {"quantity": "-Infinity"}, {"quantity"}),
    ("price not a number", {"price": "abc"}, {"price"}),
    ("unknown symbol", {"symbol": "DOGE-USD"}, {"symbol"}),
    ("unknown side", {"side": "hold"}, {"side"}),
    ("unknown type", {"type": "stop"}, {"type"}),
    ("unknown time in force", {"time_in_force": "GTD"}, {"time_in_force"}),
    ("price on a market order", {"type": "market"}, {"price"}),
    ("market order off the lot", {"type": "market", "price": MISSING, "quantity": "0.00001"}, {"quantity"}),
    ("market order above the maximum", {"type": "market", "price": MISSING, "quantity": "1000.0001"}, {"quantity"}),
    ("GTC market order", {"type": "market", "price": MISSING, "time_in_force": "GTC"}, {"time_in_force"}),
    ("limit order without a price", {"price": MISSING}, {"price"}),
    ("missing quantity", {"quantity": MISSING}, {"quantity"}),
    ("missing side", {"side": MISSING}, {"side"}),
    ("missing symbol", {"symbol": MISSING}, {"symbol"}),
    ("post-only IOC", {"post_only": True, "time_in_force": "IOC"}, {"post_only", "time_in_force"}),
    ("post-only FOK", {"post_only": True, "time_in_force": "FOK"}, {"post_only", "time_in_force"}),
    ("post-only market", {"post_only": True, "type": "market", "price": MISSING}, {"post_only", "type"}),
    ("client order id too long", {"client_order_id": "x" * 65}, {"client_order_id"}),
]


@pytest.mark.parametrize(("fields", "named"), [case[1:] for case in INVALID_ORDERS], ids=[c[0] for c in INVALID_ORDERS])
def test_an_invalid_order_is_refused_naming_the_field_and_nothing_is_stored(
    trader: TraderFactory, fields: dict[str, Any], named: set[str]
) -> None:
    _, _, client = trader()
    before = [stored_orders(client), book(client, "BTC-USD"), book(client, "ETH-USD")]
    body = {key: value for key, value in (VALID_ORDER | fields).items() if value is not MISSING}
    assert_invalid(client.post("/api/orders", json=body), named)
    assert [stored_orders(client), book(client, "BTC-USD"), book(client, "ETH-USD")] == before


def test_orders_at_the_markets_bounds_are_accepted(trader: TraderFactory) -> None:
    _, _, client = trader()
    assert place(client, side="sell", price="1000000.00", quantity="0.0001")["status"] == "open"
    assert place(client, price="0.01", quantity="1000")["quantity"] == "1000.0000"
    assert place(client, price="10.00", quantity="0.1")["status"] == "open"  # exactly the minimum notional
    assert place(client, client_order_id="c" * 64)["client_order_id"] == "c" * 64


def test_a_body_that_is_not_json_is_refused(trader: TraderFactory) -> None:
    _, _, client = trader()
    response = client.post("/api/orders", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"username": "ab", "password": "long-enough"}, "username"),
        ({"username": "a" * 33, "password": "long-enough"}, "username"),
        ({"username": "Alice", "password": "long-enough"}, "username"),
        ({"username": "al ice", "password": "long-enough"}, "username"),
        ({"username": "al.ice", "password": "long-enough"}, "username"),
        ({"password": "long-enough"}, "username"),
        ({"username": "alice_ok", "password": "7chars!"}, "password"),
        ({"username": "alice_ok", "password": "p" * 129}, "password"),
        ({"username": "alice_ok"}, "password"),
    ],
    ids=["too short", "too long", "uppercase", "space", "dot", "no username", "short pw", "long pw", "no password"],
)
def test_an_invalid_registration_is_refused_naming_the_field(
    api: httpx.Client, body: dict[str, str], named: str
) -> None:
    assert_invalid(api.post("/api/traders", json=body), {named})


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/markets/BTC-USD/book", {"depth": 0}, "depth"),
        ("/api/markets/BTC-USD/book", {"depth": 501}, "depth"),
        ("/api/markets/BTC-USD/book", {"depth": "many"}, "depth"),
        ("/api/markets/BTC-USD/trades", {"limit": 0}, "limit"),
        ("/api/markets/BTC-USD/trades", {"limit": 501}, "limit"),
        ("/api/orders", {"limit": 0}, "limit"),
        ("/api/orders", {"limit": 501}, "limit"),
        ("/api/orders", {"status": "pending"}, "status"),
    ],
)
def test_query_parameters_out_of_range_are_refused(
    trader: TraderFactory, path: str, params: dict[str, Any], named: str
) -> None:
    _, _, client = trader()
    assert_invalid(client.get(path, params=params), {named})


def test_query_parameters_at_their_limits_are_accepted(trader: TraderFactory) -> None:
    _, _, client = trader()
    for path, params in [
        ("/api/markets/BTC-USD/book", {"depth": 1}),
        ("/api/markets/BTC-USD/book", {"depth": 500}),
        ("/api/markets/BTC-USD/trades", {"limit": 1}),
        ("/api/markets/BTC-USD/trades", {"limit": 500}),
        ("/api/orders", {"limit": 1, "status": "closed"}),
        ("/api/orders", {"limit": 500, "status": "all"}),
    ]:
        assert client.get(path, params=params).status_code == 200, (path, params)


ORDER_ROUTES = [("GET", "/api/orders"), ("POST", "/api/orders"), ("DELETE", "/api/orders")]
ORDER_ROUTES += [("GET", "/api/orders/{id}"), ("PATCH", "/api/orders/{id}"), ("DELETE", "/api/orders/{id}")]


@pytest.mark.parametrize(("method", "path"), ORDER_ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-key", "Basic dXNlcjpwYXNz"])
def test_order_routes_refuse_a_caller_without_a_valid_api_key(
    trader: TraderFactory, api: httpx.Client, method: str, path: str, authorization: str | None
) -> None:
    _, _, owner = trader()
    order = place(owner, price="90.00")
    headers = {"Authorization": authorization} if authorization else {}
    body = {"POST": VALID_ORDER, "PATCH": {"quantity": "0.05"}}.get(method)
    response = api.request(method, path.format(id=order["id"]), headers=headers, json=body)
    assert response.status_code == 401, response.text
    assert response.json()["detail"]
    assert book(api)["bids"] == [{"price": "90.00", "quantity": "0.1000", "orders": 1}]


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"quantity": "0.05"}), ("DELETE", None)])
def test_another_traders_order_is_not_found(trader: TraderFactory, method: str, body: dict[str, str] | None) -> None:
    _, _, owner = trader()
    _, _, stranger = trader()
    order = place(owner)
    response = stranger.request(method, f"/api/orders/{order['id']}", json=body)
    assert response.status_code == 404, response.text
    assert response.json()["detail"]
    assert owner.get(f"/api/orders/{order['id']}").json() == order


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"quantity": "0.05"}), ("DELETE", None)])
def test_an_order_that_does_not_exist_is_not_found(
    trader: TraderFactory, method: str, body: dict[str, str] | None
) -> None:
    _, _, client = trader()
    order = place(client, price="90.00")
    response = client.request(method, f"/api/orders/{order['id'] + 1_000_000}", json=body)
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("quantity", ["0.2000", "0.1001", "0.0500", "0.0400", "0", "-0.01", "0.00015", "NaN", "abc"])
def test_reducing_an_order_to_an_invalid_quantity_is_refused_and_changes_nothing(
    trader: TraderFactory, quantity: str
) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    order = place(maker, side="sell", price="100.00", quantity="0.1000")
    place(taker, price="100.00", quantity="0.0500")  # fills half: the new quantity must stay above 0.0500
    before = maker.get(f"/api/orders/{order['id']}").json()
    assert_invalid(maker.patch(f"/api/orders/{order['id']}", json={"quantity": quantity}), {"quantity"})
    assert maker.get(f"/api/orders/{order['id']}").json() == before


@pytest.mark.parametrize("final", ["filled", "cancelled"])
@pytest.mark.parametrize(("method", "body"), [("PATCH", {"quantity": "0.05"}), ("DELETE", None)])
def test_an_order_that_no_longer_rests_cannot_be_changed(
    trader: TraderFactory, final: str, method: str, body: dict[str, str] | None
) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    order = place(maker, side="sell", price="100.00")
    if final == "filled":
        place(taker, price="100.00")
    else:
        assert maker.delete(f"/api/orders/{order['id']}").status_code == 200
    response = maker.request(method, f"/api/orders/{order['id']}", json=body)
    assert response.status_code == 409, response.text
    assert response.json()["detail"]
    assert maker.get(f"/api/orders/{order['id']}").json()["status"] == final


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("order_id", ["abc", "-1", "1.5"])
def test_an_order_id_that_is_not_a_number_is_refused_naming_the_id(
    trader: TraderFactory, method: str, order_id: str
) -> None:
    _, _, client = trader()
    body = {"quantity": "0.05"} if method == "PATCH" else None
    response = client.request(method, f"/api/orders/{order_id}", json=body)
    assert_invalid(response, {"order_id"})
    assert response.json()["detail"][0]["loc"] == ["path", "order_id"]
