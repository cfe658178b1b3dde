"""POST /api/orders/batch against the real app: each order answered on its own, a bad one changing nothing."""

import httpx

from tests.conftest import TraderFactory


def order(side: str, price: str, quantity: str = "0.1000", **extra: object) -> dict[str, object]:
    return {"symbol": "BTC-USD", "side": side, "price": price, "quantity": quantity, **extra}


def open_orders(client: httpx.Client) -> list[dict[str, object]]:
    response = client.get("/api/orders", params={"status": "open"})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_batch_places_every_order_in_the_order_given(trader: TraderFactory) -> None:
    client = trader(fresh=True).client
    response = client.post("/api/orders/batch", json={"orders": [order("buy", "90.00"), order("buy", "91.00")]})
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["status"] for r in results] == [201, 201]
    assert [r["order"]["price"] for r in results] == ["90.00", "91.00"]
    assert results[0]["order"]["id"] < results[1]["order"]["id"]
    assert {o["id"] for o in open_orders(client)} == {r["order"]["id"] for r in results}


def test_one_bad_order_gets_its_own_422_and_the_others_still_go_through(trader: TraderFactory) -> None:
    client = trader(fresh=True).client
    batch = [order("buy", "80.00"), order("buy", "80.005"), order("up", "81.00"), order("buy", "82.00")]
    response = client.post("/api/orders/batch", json={"orders": batch})
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["status"] for r in results] == [201, 422, 422, 201]
    assert results[1]["detail"][0]["loc"] == ["body", "orders", 1, "price"]
    assert "tick" in results[1]["detail"][0]["msg"]
    assert results[2]["detail"][0]["loc"] == ["body", "orders", 2, "side"]
    assert [o["price"] for o in open_orders(client)] == ["82.00", "80.00"]


def test_orders_of_one_batch_can_trade_with_each_other_in_sequence(trader: TraderFactory) -> None:
    maker, taker = trader(), trader()
    assert maker.client.post("/api/orders", json=order("sell", "120.00", "0.3000")).status_code == 201
    batch = [order("buy", "120.00", "0.1000"), order("buy", "120.00", "0.1000", time_in_force="IOC")]
    results = taker.client.post("/api/orders/batch", json={"orders": batch}).json()
    assert [r["order"]["status"] for r in results] == ["filled", "filled"]
    assert [o["remaining_quantity"] for o in open_orders(maker.client)] == ["0.1000"]


def test_a_repeated_client_order_id_in_a_batch_answers_200_with_the_original(trader: TraderFactory) -> None:
    client = trader(fresh=True).client
    same = order("buy", "70.00", client_order_id="batch-same-1")
    results = client.post("/api/orders/batch", json={"orders": [same, same]}).json()
    assert [r["status"] for r in results] == [201, 200]
    assert results[0]["order"]["id"] == results[1]["order"]["id"]


def test_more_than_20_orders_or_none_is_a_422_naming_orders_and_places_nothing(trader: TraderFactory) -> None:
    client = trader(fresh=True).client
    for orders in ([order("buy", "60.00")] * 21, []):
        response = client.post("/api/orders/batch", json={"orders": orders})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "orders"]
    assert open_orders(client) == []


def test_a_batch_needs_an_api_key(api: httpx.Client) -> None:
    response = api.post("/api/orders/batch", json={"orders": [order("buy", "60.00")]})
    assert response.status_code == 401, response.text


def test_other_methods_on_the_batch_route_are_405_not_a_bad_order_id(trader: TraderFactory) -> None:
    client = trader().client
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(method, "/api/orders/batch")
        assert response.status_code == 405, (method, response.text)
        assert response.headers["allow"] == "POST"
