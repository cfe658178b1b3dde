"""The charts on the market page: candles of the trades, the last one updated live, another interval on demand; the
data held once for all pages."""

import json
from datetime import UTC, datetime
from decimal import Decimal

from nicegui import Client
from nicegui.observables import ObservableCollection
from nicegui.testing import User

from components.candles_chart import CandlesChart
from components.depth_chart import DepthChart
from tests.components.conftest import Desk

MARKET = "/market/BTC-USD"


def rows(desk: Desk) -> list[list]:
    """What the page was last sent: [label, open, close, low, high, volume, up] a candle."""
    return json.loads(desk.one(CandlesChart, "candles-chart").series)


def candles(desk: Desk) -> list[list[str]]:
    return [row[1:5] for row in rows(desk)]


def volumes(desk: Desk) -> list[str]:
    return [row[5] for row in rows(desk)]


async def test_the_chart_shows_a_candle_of_the_trades_and_updates_it_live(user: User, desk: Desk) -> None:
    maker, taker = await desk.register("maker"), await desk.register("taker")
    for price in ("100.00", "104.00", "98.00"):
        await desk.place(maker, "sell", price, "0.1")
        await desk.place(taker, "buy", price, "0.1")
    await user.open(MARKET)
    # [open, close, low, high]; a minute boundary may split the trades, so look at the newest candle's close.
    await desk.shows(lambda: candles(desk)[-1][1] if candles(desk) else None, "98.00")

    await desk.place(maker, "sell", "110.00", "0.2")
    await desk.place(taker, "buy", "110.00", "0.2")

    await desk.shows(lambda: candles(desk)[-1][1], "110.00")
    assert candles(desk)[-1][3] == "110.00"
    assert sum(Decimal(v) for v in volumes(desk)) == Decimal("0.5")


async def test_choosing_the_hour_interval_reads_the_candles_again(user: User, desk: Desk) -> None:
    maker, taker = await desk.register("maker"), await desk.register("taker")
    await desk.place(maker, "sell", "100.00", "0.1")
    await desk.place(taker, "buy", "100.00", "0.1")
    await user.open(MARKET)
    await desk.shows(lambda: len(candles(desk)), 1)

    this_hour = datetime.now(UTC).strftime("%H:00")  # the 1 m labels end in ":00" only once an hour
    desk.trigger(CandlesChart, "candles-chart", "interval", "1h")  # what the chart's "1h" button emits

    def last_label() -> str:  # "" while the hour candles load
        return rows(desk)[-1][0] if rows(desk) else ""

    await desk.shows(lambda: last_label() in (this_hour, datetime.now(UTC).strftime("%H:00")), True)
    assert candles(desk) == [["100.00", "100.00", "100.00", "100.00"]]


async def test_the_charts_hold_their_data_as_one_str_shared_by_every_page_of_the_market(user: User, desk: Desk) -> None:
    maker, taker = await desk.register("maker"), await desk.register("taker")
    await desk.place(maker, "sell", "100.00", "0.1")
    await desk.place(taker, "buy", "100.00", "0.1")
    await desk.place(maker, "sell", "105.00", "0.2")
    await user.open(MARKET)
    await desk.shows(lambda: len(candles(desk)), 1)
    await user.open(MARKET)  # a second page on the same market (the first one lives on meanwhile)
    await desk.shows(lambda: len(candles(desk)), 1)

    charts = [chart for client in Client.instances.values() for chart in client.elements.values()]
    prices = [chart for chart in charts if isinstance(chart, CandlesChart)]
    depths = [chart for chart in charts if isinstance(chart, DepthChart)]
    assert len(prices) == 2 and len(depths) == 2
    for chart in prices + depths:
        # Plain str and list: NiceGUI's observables would copy the data into nested collections for each page.
        assert type(chart.props["series"]) is str
        assert not any(isinstance(value, ObservableCollection) for value in chart.props.values())
    assert prices[0].props["series"] is prices[1].props["series"]  # one object, not a copy a page
    assert depths[0].props["series"] is depths[1].props["series"]
    assert json.loads(depths[0].props["series"])[1][0] == ["105.00", "0.2000"]  # the ask side's first point
