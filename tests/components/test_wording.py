"""How the page writes numbers and what it tells a trader: one rule per kind of number, sentences a person writes."""

import inspect
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.errors import Conflict, InvalidInput, NotFound, ServiceError
from components.candles_chart import CandlesChart
from components.order_columns import COLUMNS as ORDER_COLUMNS
from components.order_columns import closed_columns
from components.trades_tape import COLUMNS as TAPE_COLUMNS
from components.wording import amend_told, counted, error_told, fill_told, grouped, held, money, order_told
from models import FillPublic, OrderPublic
from tests.components.rules import btc_usd_rules

RULES = btc_usd_rules()
NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)


def order(status: str, quantity: str, filled: str, average: str | None, fills: int = 1, **extra: str) -> OrderPublic:
    fill = {"id": 1, "price": average or "0", "quantity": filled, "taker_side": "buy", "fee": "0", "fee_asset": "USD"}
    fill |= {"created_at": NOW}
    return OrderPublic.model_validate(
        {
            "id": 1, "client_order_id": None, "symbol": "BTC-USD", "side": "buy", "type": "limit",
            "price": "65000.00", "quantity": quantity, "filled_quantity": filled,
            "remaining_quantity": "0.0000", "average_price": average, "status": status, "time_in_force": "GTC",
            "post_only": False, "created_at": NOW, "updated_at": NOW, "trades": [fill] * (fills if average else 0),
        } | extra
    )  # fmt: skip


def test_an_amount_held_is_cut_to_the_assets_places_never_rounded_up() -> None:
    assert held(Decimal("9368.242874"), 2) == "9368.24"
    assert held(Decimal("9.999999"), 2) == "9.99"
    assert held(Decimal("0.5"), 4) == "0.5000"


def test_a_worked_out_sum_is_at_the_quotes_places_rounded_the_way_its_sentence_stays_true() -> None:
    assert money(Decimal("969.60033"), 2, "up") == "969.61"  # "at most"
    assert money(Decimal("969.60033"), 2, "down") == "969.60"  # "at least"
    assert money(Decimal("969.60533"), 2, "nearest") == "969.61"  # "≈"


def test_a_sentence_groups_the_thousands_and_keeps_the_places() -> None:
    assert [grouped(text) for text in ("65000.00", "999.50", "1234567.0001", "0.0050")] == [
        "65,000.00",
        "999.50",
        "1,234,567.0001",
        "0.0050",
    ]


def test_a_count_says_order_or_orders() -> None:
    assert (counted(1, "order"), counted(3, "order"), counted(0, "order")) == ("1 order", "3 orders", "0 orders")


def test_an_order_below_the_minimum_is_refused_with_its_value_shown_exactly() -> None:
    with pytest.raises(InvalidInput) as refused:
        RULES.check_notional(Decimal("1.00"), Decimal("0.0001"))  # 0.0001 USD: not "0.00 USD"
    assert refused.value.reason == "order value 0.0001 USD is below the minimum notional 1.00 USD"
    with pytest.raises(InvalidInput) as refused:
        RULES.check_notional(Decimal("9.99"), Decimal("0.1"))  # 0.999 USD: not "1.00" (the minimum itself)
    assert refused.value.reason == "order value 0.999 USD is below the minimum notional 1.00 USD"


@pytest.mark.parametrize(
    ("placed", "told"),
    [
        (order("filled", "0.0050", "0.0050", "65000.00"), "Bought 0.0050 BTC at 65,000.00 USD"),
        (order("filled", "0.0050", "0.0050", "64999.50", fills=2), "Bought 0.0050 BTC at 64,999.50 USD on average"),
        (order("open", "0.0050", "0.0000", None), "Buy 0.0050 BTC at 65,000.00 USD placed: it rests in the book"),
        (
            order("partially_filled", "0.0050", "0.0020", "65000.00"),
            "Bought 0.0020 BTC at 65,000.00 USD; the other 0.0030 BTC rests in the book",
        ),
        (
            order("expired", "0.0050", "0.0020", "65000.00", time_in_force="IOC"),
            "Bought 0.0020 BTC at 65,000.00 USD; the other 0.0030 BTC expired (IOC)",
        ),
        (
            order("expired", "0.0050", "0.0000", None, time_in_force="FOK"),
            "Buy 0.0050 BTC at 65,000.00 USD expired: nothing matched at once (FOK)",
        ),
        (
            order("filled", "1.0000", "1.0000", "64000.00", side="sell", type="market", price=None),
            "Sold 1.0000 BTC at 64,000.00 USD",
        ),
    ],
    ids=["filled", "filled on average", "rests", "part rests", "rest expired", "expired", "market sell"],
)
def test_a_placed_order_is_told_in_a_sentence(placed: OrderPublic, told: str) -> None:
    assert order_told(placed, RULES) == told


def test_every_time_the_page_shows_is_labelled_utc() -> None:
    assert [c["label"] for c in TAPE_COLUMNS if c["name"] == "time"] == ["Time (UTC)"]
    assert [c["label"] for c in ORDER_COLUMNS if c["name"] == "time"] == ["Time (UTC)"]
    assert [c["label"] for c in closed_columns("USD") if c["name"] == "time"] == ["Closed (UTC)"]  # when it closed
    assert "UTC" in inspect.signature(CandlesChart).parameters["title"].default  # the candles' times


@pytest.mark.parametrize(
    ("refused", "told"),
    [
        (InvalidInput("quantity", "must be greater than 0"), "The quantity must be greater than 0"),
        (InvalidInput("time_in_force", "is required"), "The time in force is required"),
        (InvalidInput("post_only", "needs time_in_force GTC, not IOC"), "Post-only needs time_in_force GTC, not IOC"),
        (
            InvalidInput("quantity", "insufficient funds: needs 50.10 USD, available 10.00 USD, short by 40.10 USD"),
            "Insufficient funds: needs 50.10 USD, available 10.00 USD, short by 40.10 USD",
        ),
        (InvalidInput("symbol", "unknown market 'XYZ'"), "Unknown market 'XYZ'"),
        (NotFound("order 12 not found"), "Order 12 not found"),
        (
            Conflict("order 12 is filled, not resting: it cannot be changed"),
            "Order 12 is filled, not resting: it cannot be changed",
        ),
    ],
    ids=["must", "is", "needs", "insufficient funds", "another field", "not found", "conflict"],
)
def test_a_refusal_in_a_toast_is_a_sentence_not_field_colon_reason(refused: ServiceError, told: str) -> None:
    assert error_told(refused) == told


@pytest.mark.parametrize(
    ("status", "remaining", "told"),
    [
        ("partially_filled", "1.2500", "Your sell order 1 filled 0.0050 BTC at 65,000.00 USD, 1.2500 BTC left"),
        ("filled", "0.0000", "Your sell order 1 filled 0.0050 BTC at 65,000.00 USD, now filled in full"),
    ],
    ids=["part", "whole"],
)
def test_a_fill_of_a_resting_order_groups_its_price_and_names_the_quote(status: str, remaining: str, told: str) -> None:
    resting = order(status, "1.2550", "0.0050", "65000.00", side="sell", remaining_quantity=remaining)
    fill = FillPublic.model_validate(resting.trades[0].model_dump() | {"quantity": "0.0050"})
    assert fill_told(resting, fill, RULES) == told


def test_an_amend_says_what_the_order_now_does_with_its_thousands_grouped() -> None:
    before = order("open", "1.2550", "0", None, remaining_quantity="1.2550")
    kept = order("open", "0.0300", "0", None, remaining_quantity="0.0300")
    replaced = order("open", "0.0300", "0", None, id=13, price="64900.00", remaining_quantity="0.0300")
    assert amend_told(before, kept, RULES) == "Order 1 now buys 0.0300 BTC at 65,000.00 USD"
    assert amend_told(before, replaced, RULES) == "Order 1 replaced by order 13, buying 0.0300 BTC at 64,900.00 USD"
