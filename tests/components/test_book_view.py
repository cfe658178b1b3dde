"""The book's display logic, pure: grouping, cumulative totals, depth bars, spread and mid (app/feed/book_view.py)."""

from decimal import Decimal

from app.feed.book_view import Level, depth_curve, depth_curves, group_levels, ladder
from tests.components.rules import btc_usd_rules

# Prices in ticks of 0.01 USD, quantities in lots of 0.0001 BTC: (ticks, lots, orders).
RULES = btc_usd_rules()


def prices(rows: tuple) -> list[str]:
    return [row.price for row in rows]


def test_grouping_by_one_tick_leaves_the_levels_as_they_are() -> None:
    levels: list[Level] = [(10005, 1, 1), (10003, 2, 1)]

    assert group_levels(levels, 1, bids=True) == levels


def test_grouping_rounds_bid_prices_down_and_merges_the_levels_of_a_bucket() -> None:
    bids: list[Level] = [(10005, 1, 1), (10003, 2, 3), (9999, 4, 1)]

    assert group_levels(bids, 10, bids=True) == [(10000, 3, 4), (9990, 4, 1)]


def test_grouping_rounds_ask_prices_up_and_merges_the_levels_of_a_bucket() -> None:
    asks: list[Level] = [(10001, 1, 1), (10009, 2, 2), (10011, 4, 1)]

    assert group_levels(asks, 10, bids=False) == [(10010, 3, 3), (10020, 4, 1)]


def test_a_price_already_on_a_bucket_stays_in_that_bucket_on_both_sides() -> None:
    assert group_levels([(10000, 1, 1)], 10, bids=True) == [(10000, 1, 1)]
    assert group_levels([(10010, 1, 1)], 10, bids=False) == [(10010, 1, 1)]


def test_the_ladder_lists_asks_highest_first_over_bids_best_first() -> None:
    view = ladder(RULES, bids=((9999, 1, 1), (9998, 1, 1)), asks=((10001, 1, 1), (10002, 1, 1)), depth=10)

    assert prices(view.asks) == ["100.02", "100.01"]
    assert prices(view.bids) == ["99.99", "99.98"]
    assert {row.side for row in view.asks} == {"ask"}
    assert {row.side for row in view.bids} == {"bid"}


def test_each_row_shows_its_size_and_the_cumulative_total_from_the_best_price() -> None:
    view = ladder(RULES, bids=((9999, 1000, 1), (9998, 2500, 2)), asks=((10001, 5, 1), (10002, 10, 1)), depth=10)

    assert [(row.size, row.total) for row in view.bids] == [("0.1000", "0.1000"), ("0.2500", "0.3500")]
    # Asks are shown best last, so the totals grow upwards.
    assert [(row.size, row.total) for row in view.asks] == [("0.0010", "0.0015"), ("0.0005", "0.0005")]


def test_depth_bars_are_the_cumulative_size_as_a_share_of_the_deeper_side() -> None:
    view = ladder(RULES, bids=((9999, 1, 1), (9998, 2, 1)), asks=((10001, 3, 1), (10002, 3, 1)), depth=10)

    assert [row.depth_percent for row in view.asks] == [100, 50]
    assert [row.depth_percent for row in view.bids] == [17, 50]


def test_depth_limits_the_levels_shown_on_each_side() -> None:
    bids = tuple((10000 - i, 1, 1) for i in range(5))
    asks = tuple((10001 + i, 1, 1) for i in range(5))

    view = ladder(RULES, bids, asks, depth=2)

    assert prices(view.bids) == ["100.00", "99.99"]
    assert prices(view.asks) == ["100.02", "100.01"]


def test_depth_counts_grouped_levels_not_the_levels_before_grouping() -> None:
    bids = ((10009, 1, 1), (10005, 1, 1), (10001, 1, 1), (9995, 1, 1), (9985, 1, 1))

    view = ladder(RULES, bids, (), depth=2, group_ticks=10)

    assert [(row.price, row.size) for row in view.bids] == [("100.0", "0.0003"), ("99.9", "0.0001")]


def test_grouped_prices_show_only_the_decimals_the_grouping_needs() -> None:
    bids = ((123456, 1, 1),)

    shown = [prices(ladder(RULES, bids, (), depth=1, group_ticks=g).bids) for g in (1, 10, 100, 1000)]

    assert shown == [["1234.56"], ["1234.5"], ["1234"], ["1230"]]


def test_spread_and_mid_come_from_the_best_bid_and_best_ask() -> None:
    view = ladder(RULES, bids=((9990, 1, 1),), asks=((10010, 1, 1),), depth=10)

    assert view.spread == Decimal("0.20")
    assert view.mid == Decimal("100.00")


def test_the_mid_between_two_ticks_is_exact() -> None:
    view = ladder(RULES, bids=((10000, 1, 1),), asks=((10001, 1, 1),), depth=10)

    assert view.spread == Decimal("0.01")
    assert view.mid == Decimal("100.005")


def test_spread_and_mid_use_the_real_best_prices_not_the_grouped_ones() -> None:
    view = ladder(RULES, bids=((10004, 1, 1),), asks=((10006, 1, 1),), depth=10, group_ticks=10)

    assert (prices(view.bids), prices(view.asks)) == (["100.0"], ["100.1"])
    assert (view.spread, view.mid) == (Decimal("0.02"), Decimal("100.05"))


def test_an_empty_book_has_no_rows_no_spread_and_no_mid() -> None:
    view = ladder(RULES, bids=(), asks=(), depth=10)

    assert (view.asks, view.bids, view.spread, view.mid) == ((), (), None, None)


def test_a_book_with_one_side_empty_has_no_spread_or_mid_but_shows_the_other_side() -> None:
    view = ladder(RULES, bids=((9999, 2, 1), (9998, 2, 1)), asks=(), depth=10)

    assert (view.spread, view.mid, view.asks) == (None, None, ())
    assert [row.depth_percent for row in view.bids] == [50, 100]


def test_the_depth_curve_accumulates_sizes_from_the_best_price_outwards() -> None:
    asks = ((10001, 5, 1), (10002, 10, 2), (10005, 1, 1))

    assert depth_curve(RULES, asks, limit=2) == [("100.01", "0.0005"), ("100.02", "0.0015")]


def test_one_level_a_side_still_gives_each_curve_a_width() -> None:
    bids, asks = depth_curves(RULES, bids=((9990, 5, 1),), asks=((10010, 3, 1),))

    assert bids == [("99.88", "0.0005"), ("99.90", "0.0005")]
    assert asks == [("100.10", "0.0003"), ("100.12", "0.0003")]


def test_the_outermost_ask_is_carried_past_its_price() -> None:
    _, asks = depth_curves(RULES, bids=(), asks=((10001, 5, 1), (10002, 10, 2)))

    assert asks[-2:] == [("100.02", "0.0015"), ("100.03", "0.0015")]


def test_a_single_price_in_the_whole_book_gets_a_margin_of_a_hundredth_of_it() -> None:
    bids, asks = depth_curves(RULES, bids=((10000, 1, 1),), asks=())

    assert (bids, asks) == ([("99.00", "0.0001"), ("100.00", "0.0001")], [])


def test_the_bid_margin_never_goes_below_zero() -> None:
    bids, _ = depth_curves(RULES, bids=((1, 1, 1),), asks=((100, 1, 1),))

    assert bids[0] == ("0.00", "0.0001")


def test_an_empty_book_has_no_curves() -> None:
    assert depth_curves(RULES, bids=(), asks=()) == ([], [])


def test_a_bid_far_below_the_market_is_left_out_of_the_depth_chart() -> None:
    near_bids = ((6_500_000, 5, 1), (6_499_000, 5, 1))  # 65,000.00 and 64,990.00
    stray = (10_000, 100, 1)  # 100.00, as the API example's buy

    bids, asks = depth_curves(RULES, bids=(*near_bids, stray), asks=((6_501_000, 3, 1),))

    shown = [Decimal(price) for price, _ in bids + asks]
    assert min(shown) > Decimal("58000") and max(shown) < Decimal("72000")
    assert bids[-2:] == [("64990.00", "0.0010"), ("65000.00", "0.0005")]


def test_an_ask_far_above_the_market_is_left_out_and_each_sides_best_level_always_shows() -> None:
    bids, asks = depth_curves(RULES, bids=((100, 1, 1),), asks=((6_501_000, 3, 1), (99_000_000, 7, 1)))

    assert ("1.00", "0.0001") in bids  # the only bid, however far from the asks
    assert [price for price, _ in asks][:1] == ["65010.00"]
    assert all(Decimal(price) < Decimal("990000") for price, _ in asks)
