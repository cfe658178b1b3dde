"""The trader's history: GET /api/fills and /api/ledger (fields, order, cursor paging under a live flow, isolation,
refusals) and their CSV exports, through the real app in-process, on SQLite and PostgreSQL."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from tests.conftest import TraderFactory
from tests.history_support import cross, page, place, walk
from tests.servers import STARTING_CREDITS


def test_fills_are_the_callers_newest_first_with_order_fee_and_liquidity(trader: TraderFactory) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    cheap = place(seller, "sell", "100.00", "0.0100")
    dear = place(seller, "sell", "101.00", "0.0200")
    bought = place(buyer, "buy", "101.00", "0.0300")
    first, second = (trade["id"] for trade in bought["trades"])

    def fill(trade: int, order: int, side: str, price: str, quantity: str, amount: str, fee: str, liquidity: str):
        return {
            "trade_id": trade,
            "order_id": order,
            "symbol": "BTC-USD",
            "side": side,
            "price": price,
            "quantity": quantity,
            "quote_amount": amount,
            "fee": fee,
            "fee_asset": "USD",
            "liquidity": liquidity,
        }

    def without_time(fills: list[dict]) -> list[dict]:
        return [{name: value for name, value in row.items() if name != "created_at"} for row in fills]

    body = page(buyer, "/api/fills")
    assert body["next_cursor"] is None
    assert without_time(body["fills"]) == [  # taker fee 20 bps, maker fee 10 bps, rounded down to 6 decimals
        fill(second, bought["id"], "buy", "101.00", "0.0200", "2.020000", "0.004040", "taker"),
        fill(first, bought["id"], "buy", "100.00", "0.0100", "1.000000", "0.002000", "taker"),
    ]
    assert without_time(page(seller, "/api/fills")["fills"]) == [
        fill(second, dear["id"], "sell", "101.00", "0.0200", "2.020000", "0.002020", "maker"),
        fill(first, cheap["id"], "sell", "100.00", "0.0100", "1.000000", "0.001000", "maker"),
    ]


def test_the_ledger_lists_each_fills_base_quote_and_fee_with_the_balance_after_each(trader: TraderFactory) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    bought = cross(seller, buyer, "100.00", "0.0100")
    trade = bought["trades"][0]["id"]
    usd, btc = dict(STARTING_CREDITS)["USD"], dict(STARTING_CREDITS)["BTC"]
    lines = [
        {name: row[name] for name in ("id", "asset", "kind", "amount", "balance", "symbol", "trade_id", "order_id")}
        for row in page(buyer, "/api/ledger")["entries"]
    ]
    traded = {"symbol": "BTC-USD", "trade_id": trade, "order_id": bought["id"]}
    deposit = {"kind": "deposit", "symbol": None, "trade_id": None, "order_id": None}
    assert lines[:3] == [
        {
            "id": f"T{trade}-fee",
            "asset": "USD",
            "kind": "fee",
            "amount": "-0.002000",
            "balance": f"{usd - 1 - Decimal('0.002'):.6f}",
            **traded,
        },
        {
            "id": f"T{trade}-quote",
            "asset": "USD",
            "kind": "trade",
            "amount": "-1.000000",
            "balance": f"{usd - 1:.6f}",
            **traded,
        },
        {
            "id": f"T{trade}-base",
            "asset": "BTC",
            "kind": "trade",
            "amount": "0.0100",
            "balance": f"{btc + Decimal('0.01'):.4f}",
            **traded,
        },
    ]
    assert sorted((line["asset"], line["amount"], line["balance"]) for line in lines[3:]) == sorted(
        (asset, amount, amount)
        for asset, amount in (("BTC", f"{btc:.4f}"), ("ETH", "1000000.000"), ("USD", f"{usd:.6f}"))
    )
    assert all({name: line[name] for name in deposit} == deposit for line in lines[3:])


def key_order(rows: list[dict], id_of: str) -> None:
    """The rows are unique and newest first."""
    ids = [row[id_of] for row in rows]
    assert len(ids) == len(set(ids)), "a row came twice"
    times = [datetime.fromisoformat(row["created_at"]) for row in rows]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("path", "rows", "id_of"), [("/api/fills", "fills", "trade_id"), ("/api/ledger", "entries", "id")]
)
def test_paging_while_orders_trade_between_pages_neither_skips_nor_repeats(
    trader: TraderFactory, path: str, rows: str, id_of: str
) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    for _ in range(7):
        cross(seller, buyer)
    before = {row[id_of] for row in walk(buyer, path, rows)}
    seen: list[dict] = []
    cursor = None
    while True:
        body = page(buyer, path, limit=3, cursor=cursor)
        seen.extend(body[rows])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        cross(seller, buyer, "100.01")  # newer than every page already read: comes on none of the later ones
    key_order(seen, id_of)
    assert {row[id_of] for row in seen} == before
    assert len(walk(buyer, path, rows)) > len(before)


def test_a_trader_sees_only_their_own_fills_and_ledger(trader: TraderFactory) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    _, _, bystander = trader(fresh=True)
    cross(seller, buyer)
    assert page(bystander, "/api/fills") == {"fills": [], "next_cursor": None}
    assert {line["kind"] for line in walk(bystander, "/api/ledger", "entries")} == {"deposit"}
    assert len(walk(bystander, "/api/ledger", "entries")) == len(STARTING_CREDITS)
    mine = {order["id"] for order in page(buyer, "/api/orders", status="all")}
    assert {fill["order_id"] for fill in page(buyer, "/api/fills")["fills"]} <= mine


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/fills", {"limit": "0"}, "limit"),
        ("/api/fills", {"limit": "1001"}, "limit"),
        ("/api/fills", {"since": "yesterday"}, "since"),
        ("/api/fills", {"until": "0.5"}, "until"),  # not taken as seconds since 1970
        ("/api/fills", {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
        ("/api/fills", {"symbol": "DOGE-USD"}, "symbol"),
        ("/api/fills", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/fills", {"until": "0001-01-01T00:00:00+01:00"}, "until"),  # before the first time UTC can hold
        (
            "/api/fills",
            {"cursor": "RiwyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwLDk5OTk5OTk5OTk5OTk5OTk5OTk5"},
            "cursor",
        ),  # id > 2^63
        ("/api/fills.csv", {"symbol": "DOGE-USD"}, "symbol"),
        ("/api/ledger", {"asset": "DOGE"}, "asset"),
        ("/api/ledger", {"until": "soon"}, "until"),
        ("/api/ledger", {"cursor": "RiwyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwLDE"}, "cursor"),  # a fills cursor
        ("/api/ledger.csv", {"asset": "DOGE"}, "asset"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(trader: TraderFactory, path: str, params: dict, named: str) -> None:
    _, _, client = trader()
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert [problem["loc"][-1] for problem in response.json()["detail"]] == [named]


@pytest.mark.parametrize("path", ["/api/fills", "/api/ledger", "/api/fills.csv", "/api/ledger.csv"])
def test_the_history_needs_an_api_key(api: httpx.Client, path: str) -> None:
    assert api.get(path).status_code == 401


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def as_csv(rows: list[dict]) -> list[dict]:
    """API rows as a CSV reader gives them back: every value text, null empty."""
    return [{name: "" if value is None else str(value) for name, value in row.items()} for row in rows]


def test_the_csv_exports_over_several_pages_equal_the_apis_rows(trader: TraderFactory) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    for _ in range(9):  # 180 fills of one market buy: 540 ledger lines, more than one export page
        orders = [{"symbol": "BTC-USD", "side": "sell", "price": "100.00", "quantity": "0.0100"}] * 20
        response = seller.post("/api/orders/batch", json={"orders": orders})
        assert response.status_code == 200, response.text
    assert place(buyer, "buy", None, "1.8000")["status"] == "filled"
    ledger = buyer.get("/api/ledger.csv")
    assert ledger.status_code == 200, ledger.text
    assert ledger.headers["content-type"].startswith("text/csv")
    assert csv_rows(ledger.text) == as_csv(walk(buyer, "/api/ledger", "entries", limit=100))
    fills = buyer.get("/api/fills.csv", params={"symbol": "BTC-USD"})
    assert csv_rows(fills.text) == as_csv(walk(buyer, "/api/fills", "fills", limit=70))


def test_a_period_exports_what_the_api_lists_for_it(trader: TraderFactory) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    cross(seller, buyer)
    since = datetime.now(timezone(timedelta(hours=2))).isoformat()  # any zone: the same moment
    cross(seller, buyer, "100.50")
    until = datetime.now(UTC).isoformat()
    cross(seller, buyer, "101.00")
    period = {"since": since, "until": until}
    listed = walk(buyer, "/api/ledger", "entries", **period)
    assert [line["amount"] for line in listed] == ["-0.002010", "-1.005000", "0.0100"]
    assert csv_rows(buyer.get("/api/ledger.csv", params=period).text) == as_csv(listed)
    assert len(walk(buyer, "/api/fills", "fills", **period)) == 1


def test_one_assets_ledger_is_the_full_ledgers_lines_of_that_asset(trader: TraderFactory) -> None:
    _, _, seller = trader(fresh=True)
    _, _, buyer = trader(fresh=True)
    cross(seller, buyer)
    place(seller, "sell", "100.00", "0.010", symbol="ETH-USD")
    place(buyer, "buy", "100.00", "0.010", symbol="ETH-USD")
    everything = walk(buyer, "/api/ledger", "entries", limit=4)
    for asset in ("BTC", "usd"):  # any case, as the deposit command takes it
        lines = walk(buyer, "/api/ledger", "entries", asset=asset, limit=2)
        assert lines == [line for line in everything if line["asset"] == asset.upper()]
    eth_fills = page(buyer, "/api/fills", symbol="ETH-USD")["fills"]
    assert [fill["symbol"] for fill in eth_fills] == ["ETH-USD"]
