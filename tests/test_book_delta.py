"""The page's book deltas and their checksum (app/feed/book_delta.py): what turns one ladder into the next."""

import zlib
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.feed.book_delta import (
    apply_delta,
    book_delta,
    book_of,
    checksum,
    checksum_text,
    tape_delta,
    verified,
)
from app.feed.book_view import ladder
from tests.components.rules import btc_usd_rules

RULES = btc_usd_rules()  # ticks of 0.01 USD, lots of 0.0001 BTC


def book(sequence: int, asks: list[list[str]], bids: list[list[str]]) -> dict:
    return {"sequence": sequence, "checksum": checksum(asks, bids), "asks": asks, "bids": bids}


def test_the_checksum_hashes_asks_then_bids_best_first_without_points_or_leading_zeros() -> None:
    asks = [["101.00", "0.2500"], ["102.00", "0.5000"]]
    bids = [["99.00", "0.1000"]]

    assert checksum_text(asks, bids) == "101002500" + "102005000" + "99001000"
    assert checksum(asks, bids) == zlib.crc32(b"10100250010200500099001000")


def test_the_checksum_covers_only_the_top_ten_levels_of_each_side() -> None:
    asks = [[f"{100 + i}.00", "0.1000"] for i in range(12)]
    bids = [[f"{99 - i}.00", "0.1000"] for i in range(12)]
    deeper_changed = [*asks[:11], ["111.00", "9.0000"]]

    assert checksum(asks, bids) == checksum(deeper_changed, bids)
    assert checksum(asks, bids) != checksum([*asks[:9], ["109.00", "9.0000"], *asks[10:]], bids)


def test_a_delta_carries_only_the_levels_that_changed_came_or_went() -> None:
    old = book(7, [["101.00", "0.2500"], ["102.00", "0.5000"]], [["99.00", "0.1000"], ["98.00", "0.3000"]])
    new = book(8, [["101.00", "0.2500"], ["102.00", "0.7500"]], [["99.50", "0.1000"], ["99.00", "0.1000"]])

    delta = book_delta(old, new)

    assert delta == {
        "from": 7,
        "sequence": 8,
        "checksum": new["checksum"],
        "asks": {"102.00": "0.7500"},
        "bids": {"99.50": "0.1000", "98.00": None},
    }
    assert apply_delta(old, delta) == new


def test_a_delta_of_a_book_that_did_not_change_its_levels_names_no_side() -> None:
    old = book(7, [["101.00", "0.2500"]], [])

    assert book_delta(old, {**old, "sequence": 9}) == {"from": 7, "sequence": 9, "checksum": old["checksum"]}


def test_a_delta_applied_to_a_book_the_page_got_wrong_fails_its_checksum() -> None:
    old = book(7, [["101.00", "0.2500"]], [["99.00", "0.1000"]])
    new = book(8, [["101.00", "0.2500"]], [["99.00", "0.2000"], ["98.00", "0.1000"]])
    wrong = {**old, "asks": [["101.00", "0.2400"]]}  # one size off, as a lost or corrupted update leaves it

    assert verified(apply_delta(old, book_delta(old, new)))
    assert not verified(apply_delta(wrong, book_delta(old, new)))


levels = st.dictionaries(st.integers(1, 60), st.integers(1, 500), max_size=14)


def side(prices: dict[int, int], *, bids: bool) -> list[list[str]]:
    ordered = sorted(prices.items(), reverse=bids)
    return [[f"{Decimal(price) / 4:.2f}", f"{Decimal(size) / 10_000:.4f}"] for price, size in ordered]


@given(levels, levels, levels, levels)
def test_any_delta_turns_the_old_book_into_the_new_one_and_checks_out(
    old_asks: dict[int, int], old_bids: dict[int, int], new_asks: dict[int, int], new_bids: dict[int, int]
) -> None:
    old = book(1, side(old_asks, bids=False), side(old_bids, bids=True))
    new = book(2, side(new_asks, bids=False), side(new_bids, bids=True))

    after = apply_delta(old, book_delta(old, new))

    assert after == new
    assert verified(after)


def test_the_book_of_a_ladder_lists_both_sides_best_first() -> None:
    view = ladder(RULES, ((9999, 1000, 1), (9998, 2500, 2)), ((10001, 10, 1), (10002, 5, 1)), depth=12)

    shown = book_of(view, 42)

    assert shown["sequence"] == 42
    assert shown["asks"] == [["100.01", "0.0010"], ["100.02", "0.0005"]]
    assert shown["bids"] == [["99.99", "0.1000"], ["99.98", "0.2500"]]
    assert verified(shown)


def test_the_tape_delta_is_the_trades_newer_than_the_pages_newest() -> None:
    rows = [[5, "101.00", "0.1000", "buy", "12:00:05"], [4, "100.00", "0.1000", "sell", "12:00:04"], [3, "x"]]

    assert tape_delta(4, rows) == [rows[0]]
    assert tape_delta(5, rows) == []


def test_a_tape_whose_newest_trade_has_scrolled_out_gets_the_whole_tape() -> None:
    rows = [[9, "101.00", "0.1000", "buy", "12:00:09"], [8, "100.00", "0.1000", "sell", "12:00:08"]]

    assert tape_delta(2, rows) is None
    assert tape_delta(None, rows) is None


def test_the_spread_and_mid_lines_travel_in_a_delta_only_when_they_change() -> None:
    middle = {"spread": "Spread 2.00", "mid": "Mid 100.00"}
    old = {**book(7, [["101.00", "0.2500"]], [["99.00", "0.1000"]]), **middle}
    same_middle = {**book(8, [["101.00", "0.3000"]], [["99.00", "0.1000"]]), **middle}
    new_middle = {**book(9, [["100.50", "0.1000"]], [["99.00", "0.1000"]]), "spread": "Spread 1.50", "mid": "Mid 99.75"}

    assert "spread" not in book_delta(old, same_middle)
    assert book_delta(same_middle, new_middle)["spread"] == "Spread 1.50"
    assert apply_delta(same_middle, book_delta(same_middle, new_middle)) == new_middle


def test_the_last_price_and_its_arrow_travel_in_a_delta_only_when_they_change() -> None:
    old = {**book(7, [["101.00", "0.2500"]], []), "last": "100.00", "direction": "up"}
    same_last = {**book(8, [["101.00", "0.3000"]], []), "last": "100.00", "direction": "up"}
    lower = {**book(9, [["101.00", "0.3000"]], []), "last": "99.50", "direction": "down"}

    assert {"last", "direction"}.isdisjoint(book_delta(old, same_last))
    assert {key: book_delta(same_last, lower)[key] for key in ("last", "direction")} == {
        "last": "99.50",
        "direction": "down",
    }
    assert apply_delta(same_last, book_delta(same_last, lower)) == lower
