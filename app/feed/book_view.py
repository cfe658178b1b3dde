"""Pure views of a book for display: price grouping, cumulative sizes, depth bars, spread and mid (no NiceGUI)."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from app.domain.rules import MarketRules

# The depth chart shows the book this far either side of the mid, as venues do: the market, not its outliers.
DEPTH_RANGE_PERCENT = 10

Level = tuple[int, int, int]  # (price ticks, quantity lots, orders)


@dataclass(frozen=True, slots=True)
class BookRow:
    """One displayed price level."""

    side: str  # "bid" | "ask"
    price: str
    size: str
    total: str
    depth_percent: int  # cumulative size as a share of the deepest side shown, for the depth bar


@dataclass(frozen=True, slots=True)
class BookLadder:
    """Asks (highest first, best ask last) over bids (best first), with the spread and mid between."""

    asks: tuple[BookRow, ...]
    bids: tuple[BookRow, ...]
    spread: Decimal | None
    mid: Decimal | None


def group_ticks_of(price: int, group_ticks: int, *, bids: bool) -> int:
    """The bucket a price (in ticks) falls in: bids round down, asks round up (never better than real)."""
    if group_ticks <= 1:
        return price
    return (price // group_ticks) * group_ticks if bids else -((-price) // group_ticks) * group_ticks


def grouped_places(rules: MarketRules, group_ticks: int) -> int:
    """Decimals of a grouped price: a grouping of 100 ticks of 0.01 shows whole units."""
    return rules.price_places if group_ticks == 1 else max(0, rules.price_places - len(str(group_ticks)) + 1)


def group_levels(levels: tuple[Level, ...] | list[Level], group_ticks: int, *, bids: bool) -> list[Level]:
    """Merge levels into buckets of `group_ticks` ticks: bids round down, asks round up (never better than real)."""
    if group_ticks <= 1:
        return list(levels)
    grouped: list[Level] = []
    for price, quantity, orders in levels:
        bucket = group_ticks_of(price, group_ticks, bids=bids)
        if grouped and grouped[-1][0] == bucket:
            _, previous_quantity, previous_orders = grouped[-1]
            grouped[-1] = (bucket, previous_quantity + quantity, previous_orders + orders)
        else:
            grouped.append((bucket, quantity, orders))
    return grouped


def ladder(
    rules: MarketRules, bids: tuple[Level, ...], asks: tuple[Level, ...], *, depth: int, group_ticks: int = 1
) -> BookLadder:
    """The ladder a trader reads: `depth` grouped levels a side."""
    bid_levels = group_levels(bids, group_ticks, bids=True)[:depth]
    ask_levels = group_levels(asks, group_ticks, bids=False)[:depth]
    bid_totals = _cumulative(bid_levels)
    ask_totals = _cumulative(ask_levels)
    deepest = max(bid_totals[-1] if bid_totals else 0, ask_totals[-1] if ask_totals else 0) or 1
    places = grouped_places(rules, group_ticks)

    def row(side: str, level: Level, total: int) -> BookRow:
        return BookRow(
            side=side,
            price=f"{rules.price_of(level[0]):.{places}f}",
            size=rules.quantity_text(rules.quantity_of(level[1])),
            total=rules.quantity_text(rules.quantity_of(total)),
            depth_percent=round(total * 100 / deepest),
        )

    best_bid = bids[0][0] if bids else None
    best_ask = asks[0][0] if asks else None
    both = best_bid is not None and best_ask is not None
    return BookLadder(
        asks=tuple(row("ask", level, total) for level, total in zip(ask_levels, ask_totals, strict=True))[::-1],
        bids=tuple(row("bid", level, total) for level, total in zip(bid_levels, bid_totals, strict=True)),
        spread=rules.price_of(best_ask - best_bid) if both else None,  # type: ignore[operator]
        mid=(rules.price_of(best_ask + best_bid) / 2) if both else None,  # type: ignore[operator]
    )


def depth_curve(rules: MarketRules, levels: tuple[Level, ...], limit: int = 100) -> list[tuple[str, str]]:
    """Cumulative (price, size) points for the depth chart, best price first; strings keep the decimals exact."""
    points: list[tuple[str, str]] = []
    total = 0
    for price, quantity, _ in levels[:limit]:
        total += quantity
        points.append((rules.price_text(rules.price_of(price)), rules.quantity_text(rules.quantity_of(total))))
    return points


def depth_curves(
    rules: MarketRules, bids: tuple[Level, ...], asks: tuple[Level, ...], limit: int = 100
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Both curves in ascending prices, each carried on past its outermost level so that every level has a width.

    Without the extra point a side with one level is a single point (no line at all) and the outermost ask ends on
    the chart's edge. The margin is a tenth of the prices shown (or a hundredth of the price when there is only one),
    on the tick, at least one tick, and a bid margin never goes below zero.
    """
    bids, asks = near_the_mid(bids, asks)
    bid_points = depth_curve(rules, bids, limit)[::-1]
    ask_points = depth_curve(rules, asks, limit)
    prices = [Decimal(price) for price, _ in bid_points + ask_points]
    if not prices:
        return bid_points, ask_points
    low, high = min(prices), max(prices)
    margin = (high - low) / 10 if high > low else high / 100
    margin = max(rules.tick_size, margin.quantize(rules.tick_size, rounding=ROUND_CEILING))
    if bid_points:
        bid_points.insert(0, (rules.price_text(max(Decimal(0), low - margin)), bid_points[0][1]))
    if ask_points:
        ask_points.append((rules.price_text(high + margin), ask_points[-1][1]))
    return bid_points, ask_points


def near_the_mid(bids: tuple[Level, ...], asks: tuple[Level, ...]) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """The levels within DEPTH_RANGE_PERCENT of the mid (of the best price when one side is empty), and always each
    side's best: one order resting far from the market must not stretch every page's chart until the book is a sliver.
    """
    best = [side[0][0] for side in (bids, asks) if side]
    if not best:
        return bids, asks
    mid = sum(best) / len(best)
    reach = mid * DEPTH_RANGE_PERCENT / 100
    return (
        bids[:1] + tuple(level for level in bids[1:] if level[0] >= mid - reach),
        asks[:1] + tuple(level for level in asks[1:] if level[0] <= mid + reach),
    )


def _cumulative(levels: list[Level]) -> list[int]:
    totals: list[int] = []
    running = 0
    for _, quantity, _ in levels:
        running += quantity
        totals.append(running)
    return totals
