"""The BTC-USD market's rules as the app creates them, for the pure view tests and the benchmarks without SQL."""

from decimal import Decimal

from app.domain.rules import MarketRules
from models import Market


def btc_usd_rules(*, maker_fee_bps: int = 0, taker_fee_bps: int = 0) -> MarketRules:
    """BTC-USD's rules as the baseline migration creates the default market, with id 1 (0004 sets fees of 10, 20)."""
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
        maker_fee_bps=maker_fee_bps,
        taker_fee_bps=taker_fee_bps,
    )
    return MarketRules.of(market)
