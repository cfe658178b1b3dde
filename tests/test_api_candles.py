"""GET /api/markets/{symbol}/candles against the real app: candles of the trades just made, and clear 4xx errors."""

from decimal import Decimal

import httpx

from tests.conftest import TraderFactory


def cross(maker: httpx.Client, taker: httpx.Client, price: str, quantity: str) -> None:
    for client, side in ((maker, "sell"), (taker, "buy")):
        body = {"symbol": "ETH-USD", "side": side, "price": price, "quantity": quantity}
        response = client.post("/api/orders", json=body)
        assert response.status_code == 201, response.text


def test_candles_add_up_the_trades_made_through_the_api(api: httpx.Client, trader: TraderFactory) -> None:
    maker, taker = trader().client, trader().client
    fills = [("2000.00", "0.5000"), ("2010.50", "0.2500"), ("1999.25", "1.0000")]
    for price, quantity in fills:
        cross(maker, taker, price, quantity)
    # Two daily candles: the trades may straddle midnight, but never two of its boundaries.
    response = api.get("/api/markets/ETH-USD/candles", params={"interval": "1d", "limit": 2})
    assert response.status_code == 200, response.text
    traded = [candle for candle in response.json() if candle["trades"]]
    assert sum(candle["trades"] for candle in traded) == 3
    assert traded[0]["open"] == "2000.00"
    assert traded[-1]["close"] == "1999.25"
    assert max(Decimal(c["high"]) for c in traded) == Decimal("2010.50")
    assert min(Decimal(c["low"]) for c in traded) == Decimal("1999.25")
    assert sum(Decimal(c["volume"]) for c in traded) == Decimal("1.75")
    assert sum(Decimal(c["quote_volume"]) for c in traded) == Decimal("3501.875")  # 1000 + 502.625 + 1999.25


def test_an_unknown_interval_is_a_422_naming_interval(api: httpx.Client) -> None:
    response = api.get("/api/markets/ETH-USD/candles", params={"interval": "2m"})
    assert response.status_code == 422, response.text
    assert "interval" in response.text


def test_a_limit_over_1000_is_a_422_naming_limit(api: httpx.Client) -> None:
    response = api.get("/api/markets/ETH-USD/candles", params={"limit": 1001})
    assert response.status_code == 422, response.text
    assert "limit" in response.text


def test_candles_of_an_unknown_market_are_a_404(api: httpx.Client) -> None:
    response = api.get("/api/markets/NOPE-USD/candles")
    assert response.status_code == 404, response.text
