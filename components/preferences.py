"""What this browser chose on the market pages (the chart's interval, each market's price grouping), kept across
reloads in the browser's server-side storage, as the theme is (components/layout.py)."""

from typing import cast, get_args

from nicegui import app

from app.store.candles import Interval

DEFAULT_INTERVAL: Interval = "1m"


def chart_interval() -> Interval:
    """The candles' interval this browser last chose, 1m at first."""
    chosen = app.storage.user.get("chart_interval")
    return cast(Interval, chosen) if chosen in get_args(Interval) else DEFAULT_INTERVAL


def keep_chart_interval(interval: Interval) -> None:
    app.storage.user["chart_interval"] = interval


def price_grouping(symbol: str, choices: tuple[int, ...]) -> int:
    """The price grouping (in ticks) this browser last chose for the market, if it is one of `choices`, else the first.

    Per market: ten ticks are 0.10 USD on one market and 0.000010 BTC on another.
    """
    chosen = app.storage.user.get("price_grouping", {}).get(symbol)
    return chosen if chosen in choices else choices[0]


def keep_price_grouping(symbol: str, ticks: int) -> None:
    app.storage.user["price_grouping"] = {**app.storage.user.get("price_grouping", {}), symbol: ticks}
