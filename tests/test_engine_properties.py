"""Generated sequences of submit, cancel and reduce: the engine keeps its invariants and agrees with a plain model."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.book import OrderBook
from app.engine.orders import (
    BUY,
    CANCELLED,
    EXPIRED,
    FILLED,
    FOK,
    GTC,
    IOC,
    LIMIT,
    MARKET,
    OPEN,
    PARTIALLY_FILLED,
    REJECTED,
    RESTING,
    SELL,
    BookOrder,
    Fill,
)
from tests.examples import examples

# One step: (action roll, trader, side, kind, price, quantity, target). Rolls 0-5 submit, 6-7 cancel, 8 reduce;
# a flat tuple keeps the mix of actions stable, where one_of would lean towards its simplest branch.
steps = st.tuples(
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=1, max_value=3),
    st.sampled_from([BUY, SELL]),
    st.sampled_from(["gtc", "gtc", "gtc", "ioc", "fok", "market", "post_only"]),
    st.integers(min_value=97, max_value=103),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=1_000),
)
Step = tuple[int, int, str, str, int, int, int]
operations = st.lists(steps, min_size=20, max_size=60)
deterministic = settings(
    max_examples=examples(100),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class Resting:
    """The reference model's view of a resting order."""

    id: int
    trader_id: int
    side: str
    price: int
    quantity: int
    filled: int


@dataclass
class ReferenceBook:
    """Obviously correct and slow: one list in arrival order, sorted by price on every submit."""

    resting: list[Resting] = field(default_factory=list)

    def submit(self, o: BookOrder) -> tuple[list[tuple[int, int, int, int]], str, int]:
        """Fills as (maker id, taker id, price, quantity), then the taker's status and filled."""
        is_buy = o.side == BUY
        opposite = sorted((r for r in self.resting if r.side != o.side), key=lambda r: r.price if is_buy else -r.price)
        crossing = [r for r in opposite if o.price is None or (r.price <= o.price if is_buy else r.price >= o.price)]
        if o.post_only and crossing:
            return [], REJECTED, 0
        before_own = []
        for r in crossing:
            if r.trader_id == o.trader_id:
                break
            before_own.append(r)
        if o.time_in_force == FOK and sum(r.quantity - r.filled for r in before_own) < o.quantity:
            return [], EXPIRED, 0
        fills, left = [], o.quantity
        for r in before_own:
            if not left:
                break
            quantity = min(left, r.quantity - r.filled)
            fills.append((r.id, o.id, r.price, quantity))
            r.filled += quantity
            left -= quantity
            if r.filled == r.quantity:
                self.resting.remove(r)
        if not left:
            return fills, FILLED, o.quantity
        if len(before_own) < len(crossing) or o.type == MARKET or o.time_in_force != GTC:
            return fills, EXPIRED, o.quantity - left
        self.resting.append(Resting(o.id, o.trader_id, o.side, o.price, o.quantity, o.quantity - left))  # type: ignore[arg-type]
        return fills, (PARTIALLY_FILLED if fills else OPEN), o.quantity - left

    def cancel(self, order_id: int) -> None:
        self.resting = [r for r in self.resting if r.id != order_id]

    def reduce(self, order_id: int, new_quantity: int) -> None:
        for r in self.resting:
            if r.id == order_id:
                r.quantity = new_quantity

    def remaining(self) -> dict[int, int]:
        return {r.id: r.quantity - r.filled for r in self.resting}


@dataclass
class Replay:
    """Runs the operations through the engine, tracking every order, every fill and the lots each order lost."""

    book: OrderBook = field(default_factory=OrderBook)
    orders: list[BookOrder] = field(default_factory=list)
    lost: dict[int, int] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    last_fills: list[Fill] = field(default_factory=list)

    def run(self, steps: list[Step], reference: ReferenceBook | None = None) -> Iterator[None]:
        """Applies the steps one by one, yielding after each so the caller can check the book."""
        for roll, trader, side, kind, price, quantity, target in steps:
            self.last_fills = []
            if roll <= 5 or not self.orders:
                self._submit(trader, side, kind, price, quantity, reference)
            else:
                # Mostly resting orders are targeted, sometimes any order ever submitted, dead ones included.
                resting = list(self.book.resting_orders())
                pool = resting if resting and target % 4 else self.orders
                order = pool[target % len(pool)]
                if roll <= 7:
                    self._cancel(order, reference)
                else:
                    self._reduce(order, quantity % 6, reference)
            yield

    def _submit(self, trader: int, side: str, kind: str, price: int, quantity: int, reference: ReferenceBook | None):
        options = {
            "gtc": {},
            "ioc": {"time_in_force": IOC},
            "fok": {"time_in_force": FOK},
            "market": {"type": MARKET},
            "post_only": {"post_only": True},
        }[kind]
        order = BookOrder(
            id=len(self.orders) + 1,
            trader_id=trader,
            side=side,
            price=None if kind == "market" else price,
            quantity=quantity,
            **options,  # type: ignore[arg-type]
        )
        self.orders.append(order)
        execution = self.book.submit(order)
        assert execution.order is order
        self.last_fills = execution.fills
        self.fills.extend(execution.fills)
        if order.status in (EXPIRED, REJECTED):
            self.lost[order.id] = order.quantity - order.filled
        if reference:
            expected = reference.submit(order)
            actual = [(f.maker.id, f.taker.id, f.price, f.quantity) for f in execution.fills]
            assert (actual, order.status, order.filled) == expected

    def _cancel(self, target: BookOrder, reference: ReferenceBook | None) -> None:
        was_remaining = target.remaining
        if self.book.cancel(target.id) is None:
            assert target.status not in RESTING
            return
        assert target.status == CANCELLED
        self.lost[target.id] = was_remaining
        if reference:
            reference.cancel(target.id)

    def _reduce(self, target: BookOrder, cut: int, reference: ReferenceBook | None) -> None:
        new_quantity = target.quantity - cut
        if target.status in RESTING and target.filled < new_quantity < target.quantity:
            self.book.reduce(target.id, new_quantity)
            if reference:
                reference.reduce(target.id, new_quantity)
        elif target.status in RESTING:
            try:
                self.book.reduce(target.id, new_quantity)
            except ValueError:
                return
            raise AssertionError(f"reduce to {new_quantity} accepted for {target!r}")


@settings(deterministic, max_examples=examples(200))  # the strongest check, so it gets the most examples
@given(operations)
def test_fills_statuses_and_resting_orders_match_a_plain_reference_model(steps: list[Step]) -> None:
    replay, reference = Replay(), ReferenceBook()
    for _ in replay.run(steps, reference):
        assert {o.id: o.remaining for o in replay.book.resting_orders()} == reference.remaining()


@deterministic
@given(operations)
def test_the_book_is_never_crossed(steps: list[Step]) -> None:
    replay = Replay()
    for _ in replay.run(steps):
        bid, ask = replay.book.best_bid, replay.book.best_ask
        assert bid is None or ask is None or bid < ask


@deterministic
@given(operations)
def test_every_lot_is_filled_resting_or_lost(steps: list[Step]) -> None:
    replay = Replay()
    for _ in replay.run(steps):
        for o in replay.orders:
            assert o.quantity == o.filled + o.remaining + replay.lost.get(o.id, 0)
            assert (o.status in RESTING) == (replay.book.get(o.id) is o)
            assert (o.status == FILLED) == (o.filled == o.quantity)
            assert o.status != CANCELLED or o.id in replay.lost


@deterministic
@given(operations)
def test_each_orders_filled_is_the_sum_of_its_fills(steps: list[Step]) -> None:
    replay = Replay()
    for _ in replay.run(steps):
        pass
    filled = dict.fromkeys((o.id for o in replay.orders), 0)
    for fill in replay.fills:
        filled[fill.maker.id] += fill.quantity
        filled[fill.taker.id] += fill.quantity
    assert filled == {o.id: o.filled for o in replay.orders}


@deterministic
@given(operations)
def test_every_fill_prints_at_the_makers_price_within_the_takers_limit(steps: list[Step]) -> None:
    replay = Replay()
    for _ in replay.run(steps):
        for fill in replay.last_fills:
            maker, taker = fill.maker, fill.taker
            assert fill.price == maker.price
            assert fill.quantity > 0
            assert maker.side != taker.side
            assert maker.trader_id != taker.trader_id
            if taker.type == LIMIT:
                assert fill.price <= taker.price if taker.side == BUY else fill.price >= taker.price  # type: ignore[operator]


@deterministic
@given(operations)
def test_depth_totals_equal_the_sum_of_resting_remainders(steps: list[Step]) -> None:
    replay = Replay()
    for _ in replay.run(steps):
        bids, asks = replay.book.depth(1_000)
        expected: dict[tuple[str, int], list[int]] = {}
        for o in replay.book.resting_orders():
            level = expected.setdefault((o.side, o.price), [0, 0])  # type: ignore[arg-type]
            level[0] += o.remaining
            level[1] += 1
        actual = {(BUY, p): [total, count] for p, total, count in bids} | {
            (SELL, p): [total, count] for p, total, count in asks
        }
        assert actual == expected
        assert [p for p, _, _ in bids] == sorted((p for p, _, _ in bids), reverse=True)
        assert [p for p, _, _ in asks] == sorted(p for p, _, _ in asks)
        assert len(replay.book) == sum(count for _, _, count in bids + asks)
