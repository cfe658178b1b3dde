"""The matching engine's rules, one behaviour per test, on integer ticks and lots."""

import itertools

import pytest

from app.engine.book import OrderBook
from app.engine.orders import (
    BUY,
    CANCELLED,
    EXPIRED,
    FILLED,
    FOK,
    IOC,
    MARKET,
    OPEN,
    PARTIALLY_FILLED,
    REJECTED,
    SELL,
    BookOrder,
    Execution,
)

_ids = itertools.count(1)
ALICE, BOB, CAROL = 1, 2, 3


def order(side: str, price: int | None, quantity: int, trader: int = ALICE, **options: object) -> BookOrder:
    """A fresh order with a new id; a None price makes it a market order."""
    if price is None:
        options.setdefault("type", MARKET)
    return BookOrder(id=next(_ids), trader_id=trader, side=side, price=price, quantity=quantity, **options)  # type: ignore[arg-type]


def trades(execution: Execution) -> list[tuple[int, int, int]]:
    """The fills as (maker id, price, quantity)."""
    return [(fill.maker.id, fill.price, fill.quantity) for fill in execution.fills]


@pytest.fixture
def book() -> OrderBook:
    return OrderBook()


def test_a_limit_order_that_does_not_cross_rests_open(book: OrderBook) -> None:
    execution = book.submit(order(BUY, 100, 5))
    assert execution.fills == []
    assert execution.order.status == OPEN
    assert execution.order.remaining == 5
    assert book.best_bid == 100
    assert len(book) == 1


def test_a_trade_prints_at_the_resting_orders_price(book: OrderBook) -> None:
    ask = book.submit(order(SELL, 100, 5, BOB)).order
    execution = book.submit(order(BUY, 105, 5))
    assert trades(execution) == [(ask.id, 100, 5)]
    assert execution.fills[0].taker is execution.order


def test_better_prices_match_first(book: OrderBook) -> None:
    expensive = book.submit(order(SELL, 102, 1, BOB)).order
    cheap = book.submit(order(SELL, 101, 1, BOB)).order
    execution = book.submit(order(BUY, 102, 2))
    assert trades(execution) == [(cheap.id, 101, 1), (expensive.id, 102, 1)]


def test_at_one_price_the_earlier_order_matches_first(book: OrderBook) -> None:
    first = book.submit(order(SELL, 100, 1, BOB)).order
    second = book.submit(order(SELL, 100, 1, CAROL)).order
    execution = book.submit(order(BUY, 100, 1))
    assert trades(execution) == [(first.id, 100, 1)]
    assert book.get(second.id) is second


def test_a_buy_does_not_match_asks_above_its_limit(book: OrderBook) -> None:
    book.submit(order(SELL, 101, 5, BOB))
    execution = book.submit(order(BUY, 100, 5))
    assert execution.fills == []
    assert (book.best_bid, book.best_ask) == (100, 101)


def test_a_sell_matches_bids_at_or_above_its_limit(book: OrderBook) -> None:
    high = book.submit(order(BUY, 101, 1, BOB)).order
    at_limit = book.submit(order(BUY, 100, 1, BOB)).order
    book.submit(order(BUY, 99, 1, BOB))
    execution = book.submit(order(SELL, 100, 5))
    assert trades(execution) == [(high.id, 101, 1), (at_limit.id, 100, 1)]
    assert execution.order.status == PARTIALLY_FILLED
    assert book.best_ask == 100


def test_a_partly_filled_maker_stays_at_the_front_with_its_remainder(book: OrderBook) -> None:
    maker = book.submit(order(SELL, 100, 10, BOB)).order
    book.submit(order(SELL, 100, 10, CAROL))
    book.submit(order(BUY, 100, 4))
    assert (maker.status, maker.filled, maker.remaining) == (PARTIALLY_FILLED, 4, 6)
    assert trades(book.submit(order(BUY, 100, 6))) == [(maker.id, 100, 6)]
    assert maker.status == FILLED
    assert book.get(maker.id) is None


def test_a_gtc_limit_order_rests_its_unfilled_part_as_partially_filled(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    taker = book.submit(order(BUY, 101, 5)).order
    assert (taker.status, taker.filled, taker.remaining) == (PARTIALLY_FILLED, 3, 2)
    assert book.depth(5) == ([(101, 2, 1)], [])


def test_an_order_that_fills_completely_is_filled_and_does_not_rest(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 5, BOB))
    taker = book.submit(order(BUY, 100, 5)).order
    assert (taker.status, taker.filled, taker.remaining) == (FILLED, 5, 0)
    assert len(book) == 0


def test_a_market_order_matches_at_any_price_and_expires_the_rest(book: OrderBook) -> None:
    near = book.submit(order(SELL, 100, 2, BOB)).order
    far = book.submit(order(SELL, 500, 2, BOB)).order
    execution = book.submit(order(BUY, None, 10))
    assert trades(execution) == [(near.id, 100, 2), (far.id, 500, 2)]
    assert (execution.order.status, execution.order.filled, execution.order.remaining) == (EXPIRED, 4, 0)
    assert len(book) == 0


def test_a_market_order_on_an_empty_side_expires_without_fills(book: OrderBook) -> None:
    book.submit(order(BUY, 100, 5, BOB))
    execution = book.submit(order(BUY, None, 5))
    assert execution.fills == []
    assert execution.order.status == EXPIRED
    assert len(book) == 1


def test_an_ioc_order_fills_what_it_can_and_expires_the_rest(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    book.submit(order(SELL, 102, 3, BOB))
    execution = book.submit(order(BUY, 101, 5, time_in_force=IOC))
    assert [fill.quantity for fill in execution.fills] == [3]
    assert (execution.order.status, execution.order.filled) == (EXPIRED, 3)
    assert book.best_bid is None


def test_an_ioc_order_that_fills_completely_is_filled(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    assert book.submit(order(BUY, 100, 3, time_in_force=IOC)).order.status == FILLED


def test_a_fok_order_fills_completely_across_levels_when_it_can(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    book.submit(order(SELL, 101, 3, CAROL))
    execution = book.submit(order(BUY, 101, 6, time_in_force=FOK))
    assert [fill.quantity for fill in execution.fills] == [3, 3]
    assert execution.order.status == FILLED


def test_a_fok_order_that_cannot_fill_completely_is_killed_untouched(book: OrderBook) -> None:
    maker = book.submit(order(SELL, 100, 3, BOB)).order
    book.submit(order(SELL, 102, 3, BOB))
    execution = book.submit(order(BUY, 101, 4, time_in_force=FOK))
    assert execution.fills == []
    assert (execution.order.status, execution.order.filled) == (EXPIRED, 0)
    assert (maker.remaining, maker.status) == (3, OPEN)


def test_a_fok_order_counts_only_liquidity_before_its_own_resting_order(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    book.submit(order(SELL, 100, 3, ALICE))
    book.submit(order(SELL, 100, 3, CAROL))
    execution = book.submit(order(BUY, 100, 4, time_in_force=FOK))
    assert execution.fills == []
    assert execution.order.status == EXPIRED


def test_a_fok_order_fills_when_enough_lies_before_its_own_order(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    own = book.submit(order(SELL, 101, 3, ALICE)).order
    execution = book.submit(order(BUY, 101, 3, time_in_force=FOK))
    assert execution.order.status == FILLED
    assert own.remaining == 3


def test_a_post_only_order_that_would_take_liquidity_is_rejected(book: OrderBook) -> None:
    maker = book.submit(order(SELL, 100, 3, BOB)).order
    execution = book.submit(order(BUY, 100, 3, post_only=True))
    assert execution.fills == []
    assert (execution.order.status, execution.order.remaining) == (REJECTED, 0)
    assert maker.remaining == 3
    assert book.best_bid is None


def test_a_post_only_order_that_does_not_cross_rests(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 3, BOB))
    execution = book.submit(order(BUY, 99, 3, post_only=True))
    assert execution.order.status == OPEN
    assert book.best_bid == 99


def test_self_trade_prevention_expires_the_takers_remainder_and_keeps_earlier_fills(book: OrderBook) -> None:
    other = book.submit(order(SELL, 100, 2, BOB)).order
    own = book.submit(order(SELL, 100, 2, ALICE)).order
    book.submit(order(SELL, 100, 2, CAROL))
    execution = book.submit(order(BUY, 100, 6))
    assert trades(execution) == [(other.id, 100, 2)]
    assert (execution.order.status, execution.order.filled, execution.order.remaining) == (EXPIRED, 2, 0)
    assert (own.status, own.remaining) == (OPEN, 2)
    assert book.best_bid is None


def test_self_trade_prevention_on_the_first_maker_expires_the_taker_without_fills(book: OrderBook) -> None:
    book.submit(order(SELL, 100, 2, ALICE))
    execution = book.submit(order(BUY, 101, 2))
    assert execution.fills == []
    assert execution.order.status == EXPIRED
    assert (book.best_bid, book.best_ask) == (None, 100)


def test_cancel_takes_a_resting_order_out_of_the_book(book: OrderBook) -> None:
    resting = book.submit(order(BUY, 100, 5)).order
    assert book.cancel(resting.id) is resting
    assert (resting.status, resting.remaining) == (CANCELLED, 0)
    assert (book.best_bid, len(book), book.get(resting.id)) == (None, 0, None)


def test_cancel_of_an_order_that_is_not_resting_returns_none(book: OrderBook) -> None:
    resting = book.submit(order(BUY, 100, 5)).order
    book.cancel(resting.id)
    assert book.cancel(resting.id) is None
    assert book.cancel(999_999) is None


def test_a_cancelled_order_is_skipped_by_matching(book: OrderBook) -> None:
    cancelled = book.submit(order(SELL, 100, 5, BOB)).order
    later = book.submit(order(SELL, 100, 5, CAROL)).order
    book.cancel(cancelled.id)
    assert trades(book.submit(order(BUY, 100, 5))) == [(later.id, 100, 5)]
    assert cancelled.filled == 0


def test_many_cancels_at_one_level_keep_its_totals_right(book: OrderBook) -> None:
    orders = [book.submit(order(SELL, 100, 1, BOB)).order for _ in range(100)]
    for cancelled in orders[:-3]:
        book.cancel(cancelled.id)
    assert book.depth(1) == ([], [(100, 3, 3)])
    assert trades(book.submit(order(BUY, 100, 3))) == [(resting.id, 100, 1) for resting in orders[-3:]]


def test_reduce_keeps_the_orders_place_in_the_queue(book: OrderBook) -> None:
    first = book.submit(order(SELL, 100, 10, BOB)).order
    book.submit(order(SELL, 100, 10, CAROL))
    assert book.reduce(first.id, 4) is first
    assert (first.quantity, first.remaining) == (4, 4)
    assert trades(book.submit(order(BUY, 100, 4))) == [(first.id, 100, 4)]


def test_reduce_of_a_partly_filled_order_keeps_its_filled_part(book: OrderBook) -> None:
    maker = book.submit(order(SELL, 100, 10, BOB)).order
    book.submit(order(BUY, 100, 3))
    book.reduce(maker.id, 5)
    assert (maker.quantity, maker.filled, maker.remaining) == (5, 3, 2)
    assert book.depth(1) == ([], [(100, 2, 1)])


@pytest.mark.parametrize("new_quantity", [10, 11, 3, 2])
def test_reduce_rejects_a_quantity_not_between_filled_and_quantity(book: OrderBook, new_quantity: int) -> None:
    maker = book.submit(order(SELL, 100, 10, BOB)).order
    book.submit(order(BUY, 100, 3))
    with pytest.raises(ValueError):
        book.reduce(maker.id, new_quantity)
    assert (maker.quantity, maker.remaining) == (10, 7)


def test_reduce_of_an_order_that_is_not_resting_raises_key_error(book: OrderBook) -> None:
    with pytest.raises(KeyError):
        book.reduce(42_424_242, 1)


def test_depth_aggregates_each_level_best_first(book: OrderBook) -> None:
    for price, quantity in [(99, 1), (100, 2), (100, 3), (98, 4)]:
        book.submit(order(BUY, price, quantity, BOB))
    for price, quantity in [(103, 5), (101, 6), (101, 7)]:
        book.submit(order(SELL, price, quantity, CAROL))
    bids, asks = book.depth(10)
    assert bids == [(100, 5, 2), (99, 1, 1), (98, 4, 1)]
    assert asks == [(101, 13, 2), (103, 5, 1)]


def test_depth_is_limited_to_the_requested_number_of_levels(book: OrderBook) -> None:
    for price in range(90, 100):
        book.submit(order(BUY, price, 1))
    assert [level[0] for level in book.depth(3)[0]] == [99, 98, 97]
    assert book.depth(0) == ([], [])


def test_add_resting_rebuilds_the_queue_without_matching(book: OrderBook) -> None:
    restored = [
        BookOrder(id=900, trader_id=BOB, side=SELL, price=100, quantity=5, filled=2, status=PARTIALLY_FILLED),
        BookOrder(id=901, trader_id=CAROL, side=SELL, price=100, quantity=4),
        BookOrder(id=902, trader_id=CAROL, side=BUY, price=99, quantity=4),
    ]
    for resting in restored:
        book.add_resting(resting)
    assert book.depth(5) == ([(99, 4, 1)], [(100, 7, 2)])
    assert trades(book.submit(order(BUY, 100, 4))) == [(900, 100, 3), (901, 100, 1)]


def test_resting_orders_in_their_order_rebuild_the_same_book(book: OrderBook) -> None:
    for price, side in [(100, SELL), (99, BUY), (100, SELL), (101, SELL), (99, BUY)]:
        book.submit(order(side, price, 3, BOB))
    book.reduce(next(book.resting_orders()).id, 2)
    rebuilt = OrderBook()
    for o in book.resting_orders():  # as if loaded from storage: fresh objects, same fields
        copy = BookOrder(id=o.id, trader_id=o.trader_id, side=o.side, price=o.price, quantity=o.quantity)
        rebuilt.add_resting(copy)
    assert rebuilt.depth(10) == book.depth(10)
    sweep = [trades(each.submit(order(BUY, 101, 8))) for each in (book, rebuilt)]
    assert sweep[0] == sweep[1]
    assert len(sweep[0]) == 3
