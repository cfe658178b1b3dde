"""The REST contract of health, registration, markets, books and the trade tape, against the real app."""

import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.conftest import TraderFactory
from tests.servers import unique_username

PASSWORD = "correct-horse-battery"


def place(client: httpx.Client, side: str, price: str, quantity: str | float, **extra: Any) -> dict[str, Any]:
    body = {"symbol": "BTC-USD", "side": side, "price": price, "quantity": quantity, **extra}
    response = client.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def book(api: httpx.Client, symbol: str = "BTC-USD", **params: Any) -> dict[str, Any]:
    response = api.get(f"/api/markets/{symbol}/book", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_health_says_ok(api: httpx.Client) -> None:
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_registering_a_trader_returns_its_id_username_and_api_key(api: httpx.Client) -> None:
    username = unique_username()
    response = api.post("/api/traders", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "username", "api_key"}
    assert body["username"] == username
    assert isinstance(body["api_key"], str) and len(body["api_key"]) >= 16


def test_a_new_api_key_authenticates_the_order_routes(api: httpx.Client) -> None:
    registered = api.post("/api/traders", json={"username": unique_username(), "password": PASSWORD}).json()
    response = api.get("/api/orders", headers={"Authorization": f"Bearer {registered['api_key']}"})
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_registering_a_taken_username_is_a_conflict(api: httpx.Client) -> None:
    username = unique_username()
    assert api.post("/api/traders", json={"username": username, "password": PASSWORD}).status_code == 201
    response = api.post("/api/traders", json={"username": username, "password": "another-password"})
    assert response.status_code == 409, response.text
    assert response.json()["detail"]


def test_usernames_and_passwords_at_their_length_limits_are_accepted(api: httpx.Client) -> None:
    shortest = uuid.uuid4().hex[:3]
    longest = unique_username("x" * 19)  # 19 + 1 + 12 = 32 characters
    for username, password in [(shortest, "p" * 8), (longest, "p" * 128), ("a_b-9" + shortest, "pass word")]:
        response = api.post("/api/traders", json={"username": username, "password": password})
        assert response.status_code == 201, (username, response.text)


def test_the_default_markets_are_btc_usd_and_eth_usd_with_their_tick_lot_and_bounds(api: httpx.Client) -> None:
    response = api.get("/api/markets")
    assert response.status_code == 200
    markets = {market["symbol"]: market for market in response.json()}
    assert set(markets) == {"BTC-USD", "ETH-USD"}
    btc, eth = markets["BTC-USD"], markets["ETH-USD"]
    assert (btc["base"], btc["quote"], eth["base"], eth["quote"]) == ("BTC", "USD", "ETH", "USD")
    assert (btc["tick_size"], btc["lot_size"], btc["max_price"], btc["max_quantity"]) == (
        "0.01",
        "0.0001",
        "1000000.00",
        "1000.0000",
    )
    assert (eth["tick_size"], eth["lot_size"], eth["max_price"], eth["max_quantity"]) == (
        "0.01",
        "0.001",
        "1000000.00",
        "10000.000",
    )
    assert isinstance(btc["min_notional"], str) and Decimal(btc["min_notional"]) == 1
    assert isinstance(eth["min_notional"], str) and Decimal(eth["min_notional"]) == 1


def test_an_empty_book_has_no_levels_and_a_sequence(api: httpx.Client) -> None:
    body = book(api, "ETH-USD")
    assert body["symbol"] == "ETH-USD"
    assert isinstance(body["sequence"], int)
    assert (body["bids"], body["asks"]) == ([], [])


def test_the_book_aggregates_resting_orders_into_levels_best_first(trader: TraderFactory) -> None:
    _, _, alice = trader()
    _, _, bob = trader()
    place(alice, "buy", "99.00", "0.1000")
    place(alice, "buy", "100.00", "0.2500")
    place(bob, "buy", "100", 0.5)
    place(bob, "sell", "102.00", "0.3000")
    place(alice, "sell", "101.50", "1")
    body = book(alice)
    assert body["bids"] == [
        {"price": "100.00", "quantity": "0.7500", "orders": 2},
        {"price": "99.00", "quantity": "0.1000", "orders": 1},
    ]
    assert body["asks"] == [
        {"price": "101.50", "quantity": "1.0000", "orders": 1},
        {"price": "102.00", "quantity": "0.3000", "orders": 1},
    ]


def test_depth_limits_the_levels_per_side(trader: TraderFactory) -> None:
    _, _, client = trader()
    for price in ["97.00", "98.00", "99.00"]:
        place(client, "buy", price, "0.1")
    for price in ["103.00", "104.00"]:
        place(client, "sell", price, "0.1")
    body = book(client, depth=2)
    assert [level["price"] for level in body["bids"]] == ["99.00", "98.00"]
    assert [level["price"] for level in body["asks"]] == ["103.00", "104.00"]


def test_the_book_shows_fifty_levels_per_side_by_default(trader: TraderFactory) -> None:
    _, _, client = trader()
    for cents in range(51):
        place(client, "buy", f"{50 + cents}.00", "0.1")
    assert len(book(client)["bids"]) == 50
    assert len(book(client, depth=500)["bids"]) == 51
    assert book(client)["bids"][0]["price"] == "100.00"


def test_the_book_of_an_unknown_market_is_not_found(api: httpx.Client) -> None:
    response = api.get("/api/markets/DOGE-USD/book")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_the_trade_tape_lists_trades_newest_first_at_the_makers_price(trader: TraderFactory) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    place(maker, "sell", "100.00", "0.1")
    place(maker, "sell", "101.00", "0.2")
    place(taker, "buy", "105.00", "0.3")
    place(maker, "buy", "90.00", "0.4")
    place(taker, "sell", "80.00", "0.4")
    response = taker.get("/api/markets/BTC-USD/trades", params={"limit": 3})
    assert response.status_code == 200
    trades = response.json()
    assert [(t["price"], t["quantity"], t["taker_side"]) for t in trades] == [
        ("90.00", "0.4000", "sell"),
        ("101.00", "0.2000", "buy"),
        ("100.00", "0.1000", "buy"),
    ]
    assert all(set(t) == {"id", "symbol", "price", "quantity", "taker_side", "created_at"} for t in trades)
    assert all(t["symbol"] == "BTC-USD" for t in trades)
    assert len({t["id"] for t in trades}) == 3


def test_the_trade_tape_limit_bounds_the_number_of_trades(trader: TraderFactory) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    for _ in range(3):
        place(maker, "sell", "100.00", "0.1")
    place(taker, "buy", "100.00", "0.3")
    assert len(taker.get("/api/markets/BTC-USD/trades", params={"limit": 2}).json()) == 2
    assert len(taker.get("/api/markets/BTC-USD/trades", params={"limit": 500}).json()) >= 3


def test_the_sequence_grows_when_an_order_rests(trader: TraderFactory) -> None:
    _, _, client = trader()
    before = book(client)["sequence"]
    place(client, "buy", "90.00", "0.1")
    assert book(client)["sequence"] > before


def test_the_sequence_grows_when_an_order_fills(trader: TraderFactory) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    place(maker, "sell", "100.00", "0.1")
    before = book(maker)["sequence"]
    place(taker, "buy", "100.00", "0.1", time_in_force="IOC")
    assert book(maker)["sequence"] > before


def test_the_sequence_grows_when_an_order_is_cancelled(trader: TraderFactory) -> None:
    _, _, client = trader()
    order = place(client, "buy", "90.00", "0.1")
    before = book(client)["sequence"]
    assert client.delete(f"/api/orders/{order['id']}").status_code == 200
    assert book(client)["sequence"] > before


def test_the_sequence_grows_when_an_order_is_reduced(trader: TraderFactory) -> None:
    _, _, client = trader()
    order = place(client, "buy", "90.00", "0.5")
    before = book(client)["sequence"]
    assert client.patch(f"/api/orders/{order['id']}", json={"quantity": "0.2"}).status_code == 200
    assert book(client)["sequence"] > before


def test_the_sequence_of_one_market_is_untouched_by_another(trader: TraderFactory) -> None:
    _, _, client = trader()
    before = book(client, "ETH-USD")["sequence"]
    place(client, "buy", "90.00", "0.1")
    assert book(client, "ETH-USD")["sequence"] == before


def test_the_trade_tape_shows_fifty_trades_by_default(trader: TraderFactory) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    for _ in range(51):
        place(maker, "sell", "100.00", "0.0100")
    place(taker, "buy", "100.00", "0.5100")
    trades = taker.get("/api/markets/BTC-USD/trades").json()
    assert len(trades) == 50
    assert trades[0]["id"] == max(t["id"] for t in trades)
