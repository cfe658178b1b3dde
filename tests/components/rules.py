"""The BTC-USD market's rules as the app creates them, for the pure view tests."""

from decimal import Decimal

from app.exchange.rules import MarketRules
from models import Market


def btc_usd_rules() -> MarketRules:
    """BTC-USD's rules exactly as the baseline migration creates the default market, with id 1."""
    market = Market(
        id=1,
        symbol="BTC-USD",
        base="BTC",
        quote="USD",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.0001"),
        min_notional=Decimal("1"),
        max_price=Decimal("1000000"),
        max_quantity=Decimal("1000"),
    )
    return MarketRules.of(market)
