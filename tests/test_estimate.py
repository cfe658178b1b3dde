"""The order form's sums, pure: cost and fee before placing, and the most a balance affords, exact to the last digit."""

from dataclasses import replace
from decimal import Decimal

from app.exchange.commands import BookSnapshot
from app.exchange.estimate import limit_estimate, market_estimate, max_quantity
from app.exchange.funds import limit_buy_need
from app.exchange.settlement import market_buy_cost
from tests.components.rules import btc_usd_rules

RULES = replace(btc_usd_rules(), maker_fee_bps=10, taker_fee_bps=20)  # as the default markets ship
# Asks 0.1000 @ 100.00 and 0.2000 @ 101.50; bids 0.3000 @ 99.00 (ticks of 0.01, lots of 0.0001, order counts).
BOOK = BookSnapshot(7, bids=((9900, 3000, 1),), asks=((10000, 1000, 1), (10150, 2000, 2)))


def test_a_limit_buy_costs_its_value_plus_the_higher_fee_rounded_down_to_the_notional_decimals() -> None:
    estimate = limit_estimate(RULES, "buy", Decimal("100.01"), Decimal("0.3333"))
    # 33.333333 x 20 / 10000 = 0.0666666666: 0.066666 at six decimals (tick x lot), never rounded up.
    assert (estimate.value, estimate.fee, estimate.fee_bps) == (Decimal("33.333333"), Decimal("0.066666"), 20)
    assert estimate.spend == Decimal("33.399999") == limit_buy_need(RULES, Decimal("100.01"), Decimal("0.3333"))
    assert estimate.asset == "USD"


def test_a_limit_sell_spends_its_quantity_and_pays_at_most_the_higher_fee_of_its_value() -> None:
    estimate = limit_estimate(RULES, "sell", Decimal("250.00"), Decimal("0.0400"))
    assert (estimate.asset, estimate.spend, estimate.value, estimate.fee) == (
        "BTC",
        Decimal("0.0400"),
        Decimal("10.000000"),
        Decimal("0.020000"),
    )


def test_a_market_buy_costs_what_walking_the_asks_costs_with_the_taker_fee_as_the_exchange_holds_it() -> None:
    estimate = market_estimate(RULES, "buy", Decimal("0.2500"), BOOK)
    # 0.1 @ 100.00 + 0.15 @ 101.50 = 10 + 15.225; the taker fee of 25.225 is 0.05045.
    assert (estimate.value, estimate.fee, estimate.spend) == (
        Decimal("25.225"),
        Decimal("0.050450"),
        Decimal("25.27545"),
    )
    assert estimate.spend == market_buy_cost(RULES, [(10000, 1000), (10150, 2000)], 2500)[1]
    assert estimate.fillable == estimate.quantity == Decimal("0.2500")


def test_a_market_order_larger_than_the_book_says_what_the_book_has() -> None:
    buy = market_estimate(RULES, "buy", Decimal("1"), BOOK)
    sell = market_estimate(RULES, "sell", Decimal("0.5"), BOOK)
    assert (buy.fillable, buy.value) == (Decimal("0.3000"), Decimal("30.3"))
    assert (sell.fillable, sell.value, sell.fee, sell.spend) == (
        Decimal("0.3000"),
        Decimal("29.7"),
        Decimal("0.059400"),
        Decimal("0.5"),
    )


def test_max_for_a_limit_buy_is_the_most_whole_lots_whose_value_and_fee_the_balance_covers() -> None:
    price = Decimal("100.00")
    exact = limit_buy_need(RULES, price, Decimal("0.1234"))  # 12.34 + 0.02468
    assert max_quantity(RULES, "buy", "limit", price, exact, BOOK) == Decimal("0.1234")
    assert max_quantity(RULES, "buy", "limit", price, exact - Decimal("0.000001"), BOOK) == Decimal("0.1233")
    assert max_quantity(RULES, "buy", "limit", None, exact, BOOK) is None  # no price, no answer
    assert max_quantity(RULES, "buy", "limit", price, Decimal("0.01"), BOOK) == 0


def test_max_never_passes_the_markets_largest_order() -> None:
    rich = Decimal(10) ** 12
    assert max_quantity(RULES, "buy", "limit", Decimal("0.01"), rich, BOOK) == RULES.max_quantity
    assert max_quantity(RULES, "sell", "limit", Decimal("100.00"), rich, BOOK) == RULES.max_quantity


def test_max_for_a_sell_is_the_available_base_in_whole_lots() -> None:
    assert max_quantity(RULES, "sell", "limit", Decimal("100.00"), Decimal("0.123456"), BOOK) == Decimal("0.1234")
    assert max_quantity(RULES, "sell", "market", None, Decimal("0.00009"), BOOK) == 0


def test_max_for_a_market_buy_is_the_most_lots_walking_the_asks_affords() -> None:
    # 0.1 @ 100.00 costs 10.02 with the fee; each further lot at 101.50 costs 0.01015 and its fee.
    available = Decimal("10.02") + Decimal("0.01015") * 7 + Decimal("0.0001421")  # 7 lots' value and their fee
    most = max_quantity(RULES, "buy", "market", None, available, BOOK)
    assert most == Decimal("0.1007")
    assert market_buy_cost(RULES, [(10000, 1000), (10150, 2000)], 1007)[1] <= available
    assert market_buy_cost(RULES, [(10000, 1000), (10150, 2000)], 1008)[1] > available
    assert max_quantity(RULES, "buy", "market", None, Decimal(10) ** 9, BOOK) == Decimal("0.3000")  # all the asks
