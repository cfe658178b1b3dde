"""Money in and refusals for funds: `python main.py deposit`, GET /api/balances, and the 4xx
answers for bad amounts, unknown assets and orders short of funds (alone, in a batch, and as a price amend).
"""

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TraderFactory
from tests.funds import credit
from tests.funds_support import api_balances, funds_problems, read_funds
from tests.preloaded_main import run_main
from tests.servers import REPO_ROOT, ServerProcess

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module")


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """The module's traders start with nothing (tests/servers.py funds traders unless told otherwise)."""
    return {"ORDERBOOK_STARTING_BALANCES": ""}  # empty: as unset, the app's default


def deposit(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python main.py deposit ...` against the module's database, as an operator runs it."""
    environment = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    return run_main(["deposit", *arguments], environment, REPO_ROOT, timeout=60)


def balances(client: httpx.Client) -> dict[str, tuple[Decimal, Decimal]]:
    response = client.get("/api/balances")
    assert response.status_code == 200, response.text
    return api_balances(response.json())


def funded(trader: TraderFactory, database_url: str, **amounts: str) -> httpx.Client:
    """A fresh trader credited with these amounts by the operator command's code."""
    username, _, client = trader(fresh=True)
    for asset, amount in amounts.items():
        credit(database_url, username, asset, amount)
    return client


def test_a_new_trader_has_a_zero_row_for_every_asset_of_the_markets(trader: TraderFactory) -> None:
    assert balances(trader(fresh=True).client) == {asset: (Decimal(0), Decimal(0)) for asset in ("BTC", "ETH", "USD")}


def test_balances_need_an_api_key(api: httpx.Client) -> None:
    assert api.get("/api/balances").status_code == 401
    assert api.get("/api/balances", headers={"Authorization": "Bearer lob_wrong"}).status_code == 401


@pytest.mark.process  # the operator's command, as a process of its own
def test_a_deposit_credits_the_balance_prints_it_and_a_withdrawal_takes_it_back(
    trader: TraderFactory, database_url: str
) -> None:
    username, _, client = trader(fresh=True)
    done = deposit(database_url, username, "USD", "125.50")
    assert done.returncode == 0, done.stderr
    assert "125.5" in done.stdout
    assert balances(client)["USD"] == (Decimal("125.50"), Decimal(0))
    done = deposit(database_url, username, "USD", "-25.50")
    assert done.returncode == 0, done.stderr
    assert balances(client)["USD"] == (Decimal("100.00"), Decimal(0))
    assert funds_problems(read_funds(database_url)) == []


@pytest.mark.process  # the operator's command, as a process of its own
@pytest.mark.parametrize(
    ("asset", "amount", "named"),
    [
        ("DOGE", "10", "DOGE"),  # not an asset of any market
        ("USD", "ten", "amount"),
        ("USD", "NaN", "amount"),
        ("USD", "Infinity", "amount"),
        ("USD", "0", "amount"),
        ("USD", "1e400", "amount"),
        ("USD", "", "amount"),
        ("ETH", "0.0005", "amount"),  # finer than any ETH amount the markets move (lot 0.001)
        ("BTC", "0.00001", "amount"),  # finer than the BTC lot 0.0001
    ],
)
def test_a_bad_asset_or_amount_is_refused_with_exit_code_2_and_writes_nothing(
    trader: TraderFactory, database_url: str, asset: str, amount: str, named: str
) -> None:
    username, _, client = trader(fresh=True)
    before = read_funds(database_url)
    done = deposit(database_url, username, asset, amount)
    assert done.returncode == 2, done.stdout + done.stderr
    assert named.lower() in (done.stdout + done.stderr).lower()
    assert "Traceback" not in done.stderr
    assert read_funds(database_url) == before
    assert balances(client)["USD"] == (Decimal(0), Decimal(0))


@pytest.mark.process  # the operator's command, as a process of its own
def test_an_unknown_user_is_refused_with_exit_code_2(database_url: str) -> None:
    done = deposit(database_url, "nobody_by_that_name", "USD", "10")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "nobody_by_that_name" in done.stdout + done.stderr


@pytest.mark.process  # the operator's command, as a process of its own
def test_a_withdrawal_beyond_available_is_refused_even_when_held_would_cover_it(
    trader: TraderFactory, database_url: str
) -> None:
    username, _, client = trader(fresh=True)
    assert deposit(database_url, username, "USD", "100").returncode == 0
    order = {"symbol": "BTC-USD", "side": "buy", "price": "60.00", "quantity": "1.0000"}
    assert client.post("/api/orders", json=order).status_code == 201  # holds 60.06 with the 10 bps maker fee
    done = deposit(database_url, username, "USD", "-50")
    assert done.returncode == 2, done.stdout + done.stderr
    assert balances(client)["USD"] == (Decimal("39.94"), Decimal("60.06"))


def test_an_order_short_of_funds_is_a_422_naming_quantity_the_asset_and_the_shortfall_and_stores_nothing(
    trader: TraderFactory, database_url: str
) -> None:
    client = funded(trader, database_url, USD="10")
    before = read_funds(database_url)
    response = client.post(
        "/api/orders", json={"symbol": "BTC-USD", "side": "buy", "price": "100.00", "quantity": "0.1000"}
    )
    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["body", "quantity"]
    # 10.00 + the higher fee (20 bps: 0.02) = 10.02 needed, 10 available, 0.02 short.
    assert "USD" in problem["msg"] and "10.02" in problem["msg"] and "0.02" in problem["msg"], problem["msg"]
    assert read_funds(database_url) == before
    sell = client.post(
        "/api/orders", json={"symbol": "ETH-USD", "side": "sell", "price": "100.00", "quantity": "0.100"}
    )
    assert sell.status_code == 422 and "ETH" in sell.json()["detail"][0]["msg"], sell.text
    market = client.post(
        "/api/orders", json={"symbol": "BTC-USD", "side": "sell", "type": "market", "quantity": "0.01"}
    )
    assert market.status_code == 422 and market.json()["detail"][0]["loc"] == ["body", "quantity"], market.text
    assert client.get("/api/orders", params={"status": "all"}).json() == []


def test_a_batch_with_one_order_short_of_funds_answers_it_422_and_places_the_others(
    trader: TraderFactory, database_url: str
) -> None:
    client = funded(trader, database_url, USD="25")
    orders = [
        {"symbol": "BTC-USD", "side": "buy", "price": "40.00", "quantity": "0.2500"},  # 10.02 of 25
        {"symbol": "BTC-USD", "side": "buy", "price": "40.00", "quantity": "0.5000"},  # 20.04: more than 14.98 left
        {"symbol": "ETH-USD", "side": "buy", "price": "40.00", "quantity": "0.250"},  # 10.02 of 14.98
    ]
    response = client.post("/api/orders/batch", json={"orders": orders})
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["status"] for r in results] == [201, 422, 201], results
    assert results[1]["detail"][0]["loc"] == ["body", "orders", 1, "quantity"]
    assert "USD" in results[1]["detail"][0]["msg"]
    assert len(client.get("/api/orders").json()) == 2
    assert funds_problems(read_funds(database_url)) == []


def test_a_price_amend_short_of_funds_is_refused_and_the_order_keeps_its_price_and_hold(
    trader: TraderFactory, database_url: str
) -> None:
    client = funded(trader, database_url, USD="15")
    placed = client.post(
        "/api/orders", json={"symbol": "BTC-USD", "side": "buy", "price": "50.00", "quantity": "0.2000"}
    )
    assert placed.status_code == 201, placed.text
    before = balances(client)["USD"]
    amended = client.patch(f"/api/orders/{placed.json()['id']}", json={"price": "90.00"})  # 18 > 15
    assert amended.status_code == 422, amended.text
    assert client.get(f"/api/orders/{placed.json()['id']}").json()["price"] == "50.00"
    assert balances(client)["USD"] == before
    off_tick = client.patch(f"/api/orders/{placed.json()['id']}", json={"price": "50.005"})
    assert off_tick.status_code == 422 and off_tick.json()["detail"][0]["loc"] == ["body", "price"], off_tick.text
    assert funds_problems(read_funds(database_url)) == []


def test_a_price_amend_moves_the_order_to_the_back_and_its_hold_to_the_new_price(
    trader: TraderFactory, database_url: str
) -> None:
    client = funded(trader, database_url, USD="100")
    placed = client.post(
        "/api/orders", json={"symbol": "BTC-USD", "side": "buy", "price": "30.00", "quantity": "1.0000"}
    )
    assert placed.status_code == 201, placed.text
    amended = client.patch(f"/api/orders/{placed.json()['id']}", json={"price": "40.00"})
    assert amended.status_code == 200, amended.text
    assert amended.json()["price"] == "40.00"
    assert balances(client)["USD"] == (Decimal("100") - Decimal("40.04"), Decimal("40.04"))
    assert funds_problems(read_funds(database_url)) == []


@pytest.mark.process  # the server's own start-up refuses them
@pytest.mark.parametrize(
    "credit", ["ETH=0.0005", "USD=0.0000001", "DOGE=5"], ids=["eth-finer-than-lot", "usd-7-decimals", "unknown-asset"]
)
def test_starting_balances_finer_than_the_asset_or_of_no_market_stop_the_start_with_a_message(
    new_database_url: Any, tmp_path: Path, credit: str
) -> None:
    # Credited as given, ETH=0.0005 would be shown as 0.000 by GET /api/balances (ETH is counted in 0.001s), and DOGE
    # would be a ledger and balance of an asset no market trades, which no route shows.
    server = ServerProcess(
        new_database_url(), tmp_path / "server.log", environment={"ORDERBOOK_STARTING_BALANCES": credit}
    )
    with pytest.raises(RuntimeError, match="exited"):
        server.start()
    assert "ORDERBOOK_STARTING_BALANCES" in server.log()
