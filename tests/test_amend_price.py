"""PATCH /api/orders/{id} with a new price: a cancel-replace in one transaction, at the back of the new price's queue.

A reduce (quantity only) keeps the order's place, as before (tests/test_api_orders.py); a new price makes a new
order, whose hold replaces the old one's, and which may trade at once as a taker.
"""

from decimal import Decimal

import httpx

from tests.conftest import TraderFactory
from tests.test_api_orders import fetch, levels, place
from tests.test_balances import balances


def patch(client: httpx.Client, order: dict, **amend: str) -> httpx.Response:
    return client.patch(f"/api/orders/{order['id']}", json=amend)


def test_a_new_price_cancels_the_order_and_places_a_new_one_at_the_back_of_that_price(
    trader: TraderFactory, api: httpx.Client
) -> None:
    first, second, taker = trader(fresh=True), trader(fresh=True), trader(fresh=True)
    order = place(first.client, "buy", "90.00", "1.0000", client_order_id="amend-me")
    queued = place(second.client, "buy", "91.00", "0.5000")
    usd_before = balances(first)["USD"]
    answer = patch(first.client, order, price="91.00")
    assert answer.status_code == 200, answer.text
    replaced = answer.json()
    assert replaced["id"] != order["id"] and replaced["client_order_id"] is None
    assert (replaced["price"], replaced["quantity"], replaced["status"]) == ("91.00", "1.0000", "open")
    assert fetch(first.client, order)["status"] == "cancelled"
    assert levels(api, "bids")[:1] == [("91.00", "1.5000", 2)] and ("90.00", "1.0000", 1) not in levels(api, "bids")
    # The hold follows the price: 91.091000 held now instead of 90.090000 (each plus the 10 bps maker fee).
    assert balances(first)["USD"][1] == "91.091000"
    assert Decimal(balances(first)["USD"][0]) == Decimal(usd_before[0]) - Decimal("1.001")
    sold = place(taker.client, "sell", "91.00", "0.5000")
    assert sold["status"] == "filled"
    assert fetch(second.client, queued)["status"] == "filled"  # it was there first: the replaced order lost priority
    assert fetch(first.client, replaced)["status"] == "open"


def test_a_new_price_that_crosses_trades_at_once_as_a_taker(trader: TraderFactory, api: httpx.Client) -> None:
    maker, amender = trader(fresh=True), trader(fresh=True)
    ask = place(maker.client, "sell", "100.00", "0.2000")
    bid = place(amender.client, "buy", "95.00", "0.5000")
    replaced = patch(amender.client, bid, price="100.00", quantity="0.3000").json()
    assert (replaced["status"], replaced["filled_quantity"]) == ("partially_filled", "0.2000")
    assert [(fill["price"], fill["fee"]) for fill in replaced["trades"]] == [("100.00", "0.040000")]  # taker 20 bps
    assert fetch(maker.client, ask)["status"] == "filled"
    assert balances(amender)["USD"][1] == "10.010000"  # the 0.1 left at 100.00, plus the maker fee
    assert levels(api, "bids")[:1] == [("100.00", "0.1000", 1)]


def test_a_post_only_order_is_not_moved_across_the_book_and_nothing_changes(
    trader: TraderFactory, api: httpx.Client
) -> None:
    maker, amender = trader(fresh=True), trader(fresh=True)
    place(maker.client, "sell", "100.00", "0.2000")
    bid = place(amender.client, "buy", "95.00", "0.5000", post_only=True)
    answer = patch(amender.client, bid, price="100.00")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "price"]
    assert fetch(amender.client, bid)["status"] == "open"
    assert ("95.00", "0.5000", 1) in levels(api, "bids")


def test_an_amend_with_neither_quantity_nor_price_is_refused(trader: TraderFactory) -> None:
    owner = trader(fresh=True)
    order = place(owner.client, "buy", "95.00", "0.5000")
    answer = patch(owner.client, order)
    assert answer.status_code == 422, answer.text
    bad_price = patch(owner.client, order, price="95.001")
    assert bad_price.status_code == 422 and bad_price.json()["detail"][0]["loc"] == ["body", "price"]
    assert fetch(owner.client, order)["status"] == "open"
