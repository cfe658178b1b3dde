"""The stream's book as plain data (app/stream/book_stream.py): any sequence of book changes gives updates that
rebuild the server's book exactly, at every depth, for subscribers who joined at any point (hypothesis)."""

import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.book import OrderBook
from app.engine.orders import BUY, SELL, BookOrder
from app.stream.book_stream import BookStream
from tests.examples import examples
from tests.stream_support import LocalBook

TICK = Decimal("0.01")
LOT = Decimal("0.0001")

place = st.tuples(
    st.just("place"),
    st.sampled_from([BUY, SELL]),
    st.integers(9_990, 10_010),  # ticks: around 100.00, so that orders cross and rest on both sides
    st.integers(1, 30),  # lots
    st.integers(1, 3),  # trader
)
cancel = st.tuples(st.just("cancel"), st.integers(0, 10_000))
join = st.tuples(st.just("join"))  # a subscriber joins now, from the snapshot


def texts(levels: list[tuple[int, int, int]]) -> list[list[str]]:
    return [[f"{price * TICK:.2f}", f"{size * LOT:.4f}"] for price, size, _count in levels]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.one_of(place, place, cancel, join), max_size=80), st.sampled_from([1, 2, 3, 10, 25, 100]))
def test_updates_rebuild_the_servers_book_at_every_depth_for_every_subscriber(steps: list[tuple], depth: int) -> None:
    book = OrderBook()
    ids = itertools.count(1)
    resting: list[int] = []
    stream = BookStream("BTC-USD", depth)
    subscribers: list[LocalBook] = []
    sequence = 0
    stream.advance(sequence, [], [])
    for step in steps:
        if step[0] == "join":
            subscriber = LocalBook()
            subscriber.apply(stream.snapshot())
            subscribers.append(subscriber)
            continue
        if step[0] == "place":
            _, side, price, quantity, trader = step
            order = BookOrder(id=next(ids), trader_id=trader, side=side, price=price, quantity=quantity)
            book.submit(order)
            if order.remaining:
                resting.append(order.id)
        elif resting:
            book.cancel(resting.pop(step[1] % len(resting)))
        sequence += 1  # every committed change moves the market's sequence, visible or not
        bids, asks = book.depth(depth)
        message = stream.advance(sequence, texts(asks), texts(bids))
        if message is not None:
            for subscriber in subscribers:
                subscriber.apply(message)  # checks `from` against its sequence, and the checksum
        bids, asks = book.depth(depth)
        for subscriber in subscribers:
            assert subscriber.levels() == (texts(asks), texts(bids))
            assert subscriber.sequence <= sequence
