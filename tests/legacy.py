"""A database made by the code from before migrations (LEGACY_COMMIT), with a trading history, and what it served."""

import io
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import psycopg
from psycopg import sql
from sqlalchemy import create_engine, inspect, text

from tests.preloaded_main import run_main
from tests.servers import POSTGRES_ADMIN_URL, REPO_ROOT, ServerProcess, Trader, register_trader, serving

# The last commit whose code created the schema with SQLModel.metadata.create_all (main before the reorganisation).
LEGACY_COMMIT = "a002e04"
# The last commit before the change journal (revision 0003): its databases are at 0002.
BEFORE_JOURNAL_COMMIT = "d1d9e78"
# The last commit before balances and fees (revision 0004): its databases are at 0003, and nobody has money.
BEFORE_BALANCES_COMMIT = "41225f0"
HEAD_REVISION = "0004"
RESTING_INDEX = "ix_orders_resting_market_sequence"


def legacy_checkout(folder: Path, commit: str = LEGACY_COMMIT) -> Path:
    """An older commit's files in `folder` (CI runs on a full clone, so the commit is there)."""
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", commit], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


@dataclass
class History:
    """The traders of a legacy database: their current keys, one key rotated away, and a few order ids."""

    traders: dict[str, str]  # name in the story -> current API key
    usernames: dict[str, str]  # name in the story -> username
    retired_key: str
    alice_resting_ask: int  # BTC-USD sell 0.2000 at 105.00, resting when the legacy server stopped


def client(base_url: str, api_key: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=20)


def place(trader: httpx.Client, **order: Any) -> dict:
    response = trader.post("/api/orders", json=order)
    assert response.status_code == 201, response.text
    return response.json()


def trade_a_history(base_url: str) -> History:
    """Rests, crosses (full and partial fills), cancels, reduces, an IOC remainder, a rejected post-only, a rotation."""
    alice, bob, carol = (register_trader(base_url) for _ in range(3))
    retired_key = carol.api_key
    rotated = carol.client.post("/api/traders/me/api-key")
    assert rotated.status_code == 200, rotated.text
    carol = Trader(carol.username, rotated.json()["api_key"], client(base_url, rotated.json()["api_key"]))
    btc = {"symbol": "BTC-USD"}
    first_ask = place(alice.client, **btc, side="sell", price="101.00", quantity="0.5000", client_order_id="a-1")
    high_ask = place(alice.client, **btc, side="sell", price="102.00", quantity="0.3000")
    place(bob.client, **btc, side="buy", price="101.00", quantity="0.2000")  # partially fills first_ask
    place(bob.client, **btc, side="buy", price="99.00", quantity="0.1000")
    low_bid = place(bob.client, **btc, side="buy", price="98.00", quantity="0.4000")
    place(carol.client, **btc, side="sell", price="99.00", quantity="0.1000")  # fills bob's 99.00 bid
    assert alice.client.delete(f"/api/orders/{high_ask['id']}").status_code == 200
    assert bob.client.patch(f"/api/orders/{low_bid['id']}", json={"quantity": "0.3000"}).status_code == 200
    ioc = place(carol.client, **btc, side="buy", price="101.00", quantity="1.0000", time_in_force="IOC")
    assert ioc["status"] == "expired" and ioc["filled_quantity"] == "0.3000", ioc
    assert first_ask["client_order_id"] == "a-1"
    resting_ask = place(alice.client, **btc, side="sell", price="105.00", quantity="0.2000")
    rejected = place(carol.client, **btc, side="buy", price="106.00", quantity="0.1000", post_only=True)
    assert rejected["status"] == "rejected", rejected
    eth = {"symbol": "ETH-USD"}
    place(bob.client, **eth, side="sell", price="2000.00", quantity="1.000")
    place(alice.client, **eth, side="buy", price="2000.00", quantity="0.500")  # partially fills bob's ask
    place(carol.client, **eth, side="buy", price="1990.00", quantity="0.100")
    for trader in (alice, bob, carol):
        trader.client.close()
    return History(
        traders={"alice": alice.api_key, "bob": bob.api_key, "carol": carol.api_key},
        usernames={"alice": alice.username, "bob": bob.username, "carol": carol.username},
        retired_key=retired_key,
        alice_resting_ask=resting_ask["id"],
    )


def everything_served(base_url: str, history: History) -> dict[str, Any]:
    """All that the API shows: markets, books with their sequences, trades, and each trader's orders with fills."""
    served: dict[str, Any] = {}
    with httpx.Client(base_url=base_url, timeout=20) as anonymous:
        served["markets"] = anonymous.get("/api/markets").json()
        for market in served["markets"]:
            symbol = market["symbol"]
            served[f"book {symbol}"] = anonymous.get(f"/api/markets/{symbol}/book", params={"depth": 500}).json()
            served[f"trades {symbol}"] = anonymous.get(f"/api/markets/{symbol}/trades", params={"limit": 500}).json()
    for name, api_key in history.traders.items():
        with client(base_url, api_key) as trader:
            orders = trader.get("/api/orders", params={"status": "all", "limit": 500})
            assert orders.status_code == 200, orders.text
            served[f"orders {name}"] = orders.json()
            for order in orders.json():
                served[f"order {order['id']}"] = trader.get(f"/api/orders/{order['id']}").json()
    return served


class Before(NamedTuple):
    """A database as an older release left it: where it is, the history traded on it, and all that release served."""

    url: str
    history: History
    served: dict[str, Any]


def made_by(commit: str, revision: str, database_url: str, folder: Path) -> Before:
    """The code of `commit` (stored revision `revision`) trades a history on the database and stops."""
    (folder / "old-code").mkdir()
    code = legacy_checkout(folder / "old-code", commit)
    with serving(ServerProcess(database_url, folder / "old.log", cwd=code).start()) as old:
        history = trade_a_history(old.base_url)
        served = everything_served(old.base_url, history)
    assert stored_revision(database_url) == revision
    return Before(database_url, history, served)


def as_served_before_fees(served: dict[str, Any]) -> dict[str, Any]:
    """What the current code serves, without what only it shows: the markets' fees, each fill's fee (0 before fees),
    and each order's average fill price (checked against its fills first)."""
    before: dict[str, Any] = {}
    for key, value in served.items():
        if key == "markets":
            value = [{k: v for k, v in market.items() if not k.endswith("_fee_bps")} for market in value]
        elif key.startswith("order"):
            value = [_as_before(order) for order in value] if isinstance(value, list) else _as_before(value)
        before[key] = value
    return before


def _as_before(order: dict[str, Any]) -> dict[str, Any]:
    fills = []
    for fill in order["trades"]:
        assert Decimal(fill.pop("fee")) == 0 and fill.pop("fee_asset"), fill  # traded before there were fees
        fills.append(fill)
    order = dict(order)
    average = order.pop("average_price")
    if fills and Decimal(order["filled_quantity"]) == sum(Decimal(fill["quantity"]) for fill in fills):
        value = sum(Decimal(fill["price"]) * Decimal(fill["quantity"]) for fill in fills)
        tick = Decimal(fills[0]["price"])  # the prices' decimals
        expected = (value / Decimal(order["filled_quantity"])).quantize(tick, rounding=ROUND_HALF_EVEN)
        assert Decimal(average) == expected and len(average) == len(f"{expected}"), (average, fills)
    elif not Decimal(order["filled_quantity"]):
        assert average is None, order
    return {**order, "trades": fills}


def deposit(url: str, username: str, asset: str, amount: str) -> subprocess.CompletedProcess[str]:
    """The operator's command, as a real process on the database: `python main.py deposit USERNAME ASSET AMOUNT`."""
    return run_main(["deposit", username, asset, amount, "--database-url", url], os.environ, REPO_ROOT, timeout=60)


def copy_database(url: str, copy: str) -> str:
    """A copy of a stopped server's database: a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL."""
    if url.startswith("sqlite"):
        source, target = Path(url.removeprefix("sqlite:///")), Path(copy)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        return f"sqlite:///{target}"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(name)))
    return f"{url.rsplit('/', 1)[0]}/{copy}"


def drop_postgres_database(url: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        name = sql.Identifier(url.rsplit("/", 1)[1])
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def stored_revision(url: str) -> str | None:
    """The revision in alembic_version, or None when the table is missing."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def index_names(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {str(index["name"]) for index in inspect(connection).get_indexes(table)}
    finally:
        engine.dispose()
