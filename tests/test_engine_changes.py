"""A book fed each batch's change ends up equal to the book that ran the batches, and to one reloaded from scratch."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.book import OrderBook
from app.engine.changes import apply_change, change_of
from app.engine.orders import BUY, FOK, GTC, IOC, LIMIT, MARKET, SELL, BookOrder
from tests.examples import examples
from tests.test_engine_properties import Step, steps  # the same random steps as the engine's own properties

# Batches of one to eight steps, as the writer groups commands.
batches = st.lists(st.lists(steps, min_size=1, max_size=8), min_size=5, max_size=25)
deterministic = settings(
    max_examples=examples(150),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def run_batch(book: OrderBook, batch: list[Step], next_id: int) -> tuple[list[BookOrder], dict[int, BookOrder], int]:
    """Run a batch as the writer does: the new orders in placement order and the earlier orders it touched."""
    new_orders: list[BookOrder] = []
    changed: dict[int, BookOrder] = {}
    for roll, trader, side, kind, price, quantity, target in batch:
        resting = list(book.resting_orders())
        if roll <= 5 or not resting:
            order = BookOrder(
                id=next_id,
                trader_id=trader,
                side=side,
                price=None if kind == "market" else price,
                quantity=quantity,
                type=MARKET if kind == "market" else LIMIT,
                time_in_force={"ioc": IOC, "fok": FOK}.get(kind, GTC),
                post_only=kind == "post_only",
            )
            next_id += 1
            execution = book.submit(order)
            new_orders.append(order)
            for fill in execution.fills:
                changed[fill.maker.id] = fill.maker
        elif roll <= 7:
            victim = resting[target % len(resting)]
            book.cancel(victim.id)
            changed[victim.id] = victim
        else:
            victim = resting[target % len(resting)]
            if victim.filled + 1 < victim.quantity:
                book.reduce(victim.id, victim.filled + 1 + target % (victim.quantity - victim.filled - 1))
                changed[victim.id] = victim
    return new_orders, changed, next_id


def state(book: OrderBook) -> list[tuple]:
    """Everything that decides future matching: each resting order in priority order, and the depth."""
    orders = [(o.id, o.trader_id, o.side, o.price, o.quantity, o.filled, o.remaining) for o in book.resting_orders()]
    return [*orders, book.depth(100)]


def reloaded(book: OrderBook) -> OrderBook:
    """The book as the writer reloads it: the resting orders re-added in the order they came to rest."""
    copy = OrderBook()
    for o in book.resting_orders():
        status = "partially_filled" if o.filled else "open"
        copy.add_resting(
            BookOrder(
                id=o.id,
                trader_id=o.trader_id,
                side=o.side,
                price=o.price,
                quantity=o.quantity,
                filled=o.filled,
                status=status,
            )
        )
    return copy


@deterministic
@given(batches)
def test_a_book_fed_the_changes_equals_the_book_that_ran_the_batches(batch_list: list[list[Step]]) -> None:
    leader, follower = OrderBook(), OrderBook()
    next_id = 1
    for batch in batch_list:
        new_orders, changed, next_id = run_batch(leader, batch, next_id)
        apply_change(follower, change_of(new_orders, changed.values()))
        assert state(follower) == state(leader)


@deterministic
@given(batches, st.data())
def test_a_reloaded_book_then_fed_the_changes_matches_the_same_as_the_leader(
    batch_list: list[list[Step]], data: st.DataObject
) -> None:
    leader = OrderBook()
    next_id = 1
    split = data.draw(st.integers(min_value=0, max_value=len(batch_list)))
    for batch in batch_list[:split]:
        _, _, next_id = run_batch(leader, batch, next_id)
    follower = reloaded(leader)
    for batch in batch_list[split:]:
        new_orders, changed, next_id = run_batch(leader, batch, next_id)
        apply_change(follower, change_of(new_orders, changed.values()))
    assert state(follower) == state(leader)
    # The follower then matches exactly as the leader does.
    probe = [(0, 4, BUY, "market", 100, 1000, 0), (0, 4, SELL, "market", 100, 1000, 0)]
    run_batch(leader, probe, next_id)
    run_batch(follower, probe, next_id)
    assert state(follower) == state(leader)


def test_apply_change_counts_each_traders_resting_orders_in_and_out() -> None:
    leader, follower = OrderBook(), OrderBook()
    new_orders, changed, next_id = run_batch(
        leader, [(0, 1, SELL, "gtc", 100, 5, 0), (0, 2, SELL, "gtc", 101, 5, 0)], 1
    )
    assert apply_change(follower, change_of(new_orders, changed.values())) == {1: 1, 2: 1}
    new_orders, changed, _ = run_batch(leader, [(0, 3, BUY, "gtc", 100, 5, 0)], next_id)
    assert apply_change(follower, change_of(new_orders, changed.values())) == {1: -1}
    assert state(follower) == state(leader)
