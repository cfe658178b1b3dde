"""The BTC-USD market's rules as the app creates them, for the pure view tests."""

from app.exchange.rules import MarketRules
from app.store.db import DEFAULT_MARKETS


def btc_usd_rules() -> MarketRules:
    """BTC-USD's rules (tick 0.01, lot 0.0001) exactly as the default market is created, with id 1."""
    market = next(market for market in DEFAULT_MARKETS if market.symbol == "BTC-USD")
    return MarketRules.of(market.model_copy(update={"id": 1}))
