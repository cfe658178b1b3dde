"""Balances through the API on both databases: holds, fees, settlement, releases, and the deposit command.

The module's server credits nobody (ORDERBOOK_STARTING_BALANCES off): every trader here is funded by the operator's
`python main.py deposit`, as on a real venue, and the invariants are checked against the database after each story.
"""

import pytest

from tests.funds import check_invariants, credit
from tests.in_process import InProcessServer
from tests.legacy import deposit
from tests.servers import Trader, register_trader

BTC = {"symbol": "BTC-USD"}


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    return {"ORDERBOOK_STARTING_BALANCES": ""}


def funded(server: InProcessServer, **amounts: str) -> Trader:
    """A new trader, credited by the deposit command (e.g. USD="1000")."""
    trader = register_trader(server)
    for asset, amount in amounts.items():
        credit(server.database_url, trader.username, asset, amount)
    return trader


def balances(trader: Trader) -> dict[str, tuple[str, str]]:
    answer = trader.client.get("/api/balances")
    assert answer.status_code == 200, answer.text
    return {row["asset"]: (row["available"], row["held"]) for row in answer.json()}


def place(trader: Trader, **order: str) -> dict:
    answer = trader.client.post("/api/orders", json={**BTC, **order})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_balances_need_the_api_key_and_list_every_asset_at_zero_for_a_new_trader(server: InProcessServer) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/api/balances").status_code == 401
    trader = register_trader(server)
    assert balances(trader) == {
        "BTC": ("0.0000", "0.0000"),
        "ETH": ("0.000", "0.000"),
        "USD": ("0.000000", "0.000000"),
    }


def test_a_trader_without_funds_is_refused_with_the_shortfall_and_nothing_is_stored(server: InProcessServer) -> None:
    trader = funded(server, USD="10")
    answer = trader.client.post("/api/orders", json={**BTC, "side": "buy", "price": "100.00", "quantity": "0.5000"})
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["detail"]
    assert detail["loc"] == ["body", "quantity"]
    # 0.5 x 100 = 50, plus the higher fee (taker, 20 bps) 0.10: 50.10 needed, 10 there.
    assert detail["msg"] == "insufficient funds: needs 50.10 USD, available 10.00 USD, short by 40.10 USD"
    sell = trader.client.post("/api/orders", json={**BTC, "side": "sell", "price": "100.00", "quantity": "0.0100"})
    assert sell.status_code == 422 and "needs 0.0100 BTC, available 0.0000 BTC" in sell.text
    assert trader.client.get("/api/orders", params={"status": "all"}).json() == []
    assert balances(trader)["USD"] == ("10.000000", "0.000000")
    check_invariants(server.database_url)


def test_insufficient_funds_shows_the_assets_places_rounded_so_that_the_sentence_stays_true(
    server: InProcessServer,
) -> None:
    trader = funded(server, USD="5.009")
    answer = trader.client.post("/api/orders", json={**BTC, "side": "buy", "price": "100.01", "quantity": "0.1000"})
    assert answer.status_code == 422, answer.text
    # 10.001 + 20 bps (0.020002) = 10.021002 needed, 5.009 there: the need and the shortfall (5.012002) rounded up,
    # so that paying in as much is enough; what is available rounded down, so that it is there.
    assert answer.json()["detail"][0]["msg"] == (
        "insufficient funds: needs 10.03 USD, available 5.00 USD, short by 5.02 USD"
    )


def test_a_sell_holds_its_base_and_a_buy_holds_its_value_plus_the_maker_fee(server: InProcessServer) -> None:
    trader = funded(server, USD="1000", BTC="1")
    place(trader, side="sell", price="150.00", quantity="0.4000")
    place(trader, side="buy", price="100.00", quantity="0.5000")
    assert balances(trader)["BTC"] == ("0.6000", "0.4000")
    assert balances(trader)["USD"] == ("949.950000", "50.050000")  # 50 + 10 bps
    trader.client.delete("/api/orders")
    assert balances(trader)["BTC"] == ("1.0000", "0.0000") and balances(trader)["USD"] == ("1000.000000", "0.000000")
    check_invariants(server.database_url)


def test_a_fill_settles_both_sides_exactly_with_maker_and_taker_fees(server: InProcessServer) -> None:
    maker, taker = funded(server, BTC="1"), funded(server, USD="1000")
    place(maker, side="sell", price="123.45", quantity="0.3000")
    bought = place(taker, side="buy", price="130.00", quantity="0.2000")
    # 0.2 x 123.45 = 24.69: the taker pays 20 bps (0.049380), the maker 10 bps (0.024690).
    assert bought["status"] == "filled"
    assert [(fill["price"], fill["fee"], fill["fee_asset"]) for fill in bought["trades"]] == [
        ("123.45", "0.049380", "USD")
    ]
    assert balances(taker) == {
        "BTC": ("0.2000", "0.0000"),
        "ETH": ("0.000", "0.000"),
        "USD": ("975.260620", "0.000000"),
    }
    assert balances(maker)["BTC"] == ("0.7000", "0.1000")
    assert balances(maker)["USD"] == ("24.665310", "0.000000")
    resting = maker.client.get("/api/orders").json()
    assert [(fill["fee"], fill["fee_asset"]) for fill in resting[0]["trades"]] == [("0.024690", "USD")]
    maker.client.delete("/api/orders")
    check_invariants(server.database_url)


def test_a_cancel_a_reduce_and_an_ioc_expiry_release_what_is_no_longer_held(server: InProcessServer) -> None:
    trader = funded(server, USD="1000")
    order = place(trader, side="buy", price="200.00", quantity="1.0000")
    assert balances(trader)["USD"] == ("799.800000", "200.200000")
    reduced = trader.client.patch(f"/api/orders/{order['id']}", json={"quantity": "0.2500"})
    assert reduced.status_code == 200, reduced.text
    assert balances(trader)["USD"] == ("949.950000", "50.050000")
    assert trader.client.delete(f"/api/orders/{order['id']}").status_code == 200
    assert balances(trader)["USD"] == ("1000.000000", "0.000000")
    expired = place(trader, side="buy", price="200.00", quantity="1.0000", time_in_force="IOC")
    assert expired["status"] == "expired"
    assert balances(trader)["USD"] == ("1000.000000", "0.000000")
    check_invariants(server.database_url)


def test_a_market_buy_is_cut_to_the_whole_lots_the_balance_affords(server: InProcessServer) -> None:
    seller, buyer = funded(server, BTC="2"), funded(server, USD="30")
    place(seller, side="sell", price="100.00", quantity="0.1000")
    place(seller, side="sell", price="200.00", quantity="1.0000")
    bought = place(buyer, side="buy", type="market", quantity="1.0000")
    # 0.1 at 100 (10.00) then at 200: 0.0997 more costs 19.94, + 20 bps of 29.94 (0.059880) = 29.999880 <= 30.
    assert (bought["status"], bought["quantity"], bought["filled_quantity"]) == ("filled", "0.1997", "0.1997")
    assert balances(buyer)["USD"] == ("0.000120", "0.000000")  # what the per-fill fees rounded down left
    too_poor = buyer.client.post("/api/orders", json={**BTC, "side": "buy", "type": "market", "quantity": "0.0100"})
    assert too_poor.status_code == 422 and "insufficient funds" in too_poor.text
    seller.client.delete("/api/orders")
    check_invariants(server.database_url)


def test_a_market_sell_needs_its_quantity(server: InProcessServer) -> None:
    trader = funded(server, BTC="0.0100")
    answer = trader.client.post("/api/orders", json={**BTC, "side": "sell", "type": "market", "quantity": "0.0200"})
    assert answer.status_code == 422
    assert "needs 0.0200 BTC, available 0.0100 BTC, short by 0.0100 BTC" in answer.text


@pytest.mark.process  # the command, as an operator runs it
def test_the_deposit_command_credits_withdraws_and_refuses_what_it_cannot_do(server: InProcessServer) -> None:
    trader = register_trader(server)
    url, name = server.database_url, trader.username
    credited = deposit(url, name, "USD", "250.5")
    assert credited.returncode == 0, credited.stderr
    assert credited.stdout.strip() == f"{name} USD: available 250.500000, held 0.000000"
    withdrawn = deposit(url, name, "USD", "-50.25")
    assert withdrawn.returncode == 0 and "available 200.250000" in withdrawn.stdout
    place(trader, side="buy", price="100.00", quantity="1.0000")  # holds 100.10 of the 200.25
    over = deposit(url, name, "USD", "-100.16")
    assert over.returncode == 2 and "available" in over.stderr
    refused = {
        "unknown user": deposit(url, "nobody_here", "USD", "1"),
        "unknown asset": deposit(url, name, "DOGE", "1"),
        "not a number": deposit(url, name, "USD", "lots"),
        "zero": deposit(url, name, "USD", "0"),
        "infinite": deposit(url, name, "USD", "Infinity"),
        "too precise": deposit(url, name, "BTC", "0.00001"),
    }
    for case, done in refused.items():
        assert done.returncode == 2, (case, done.stdout, done.stderr)
        assert "refused, nothing changed" in done.stderr, case
    assert balances(trader)["USD"] == ("100.150000", "100.100000")
    assert balances(trader)["BTC"] == ("0.0000", "0.0000")
    trader.client.delete("/api/orders")
    check_invariants(server.database_url)
