"""Tabs pinned by the proxy to different instances see each other's orders live; a sign-in holds on every instance."""

import httpx

from tests.browser.conftest import PASSWORD, OpenPage, place
from tests.cluster.cluster import INSTANCE_HEADER, Cluster
from tests.cluster.conftest import open_pinned, pin, serving_instance
from tests.servers import register_trader


def test_the_proxy_spreads_fresh_browsers_and_names_the_instance_that_answered(cluster: Cluster) -> None:
    served = {httpx.get(f"{cluster.base_url}/api/health", timeout=5).headers[INSTANCE_HEADER] for _ in range(4)}

    assert served == {"instance1", "instance2"}


def test_a_page_load_and_everything_after_it_stay_on_one_instance(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.base_url, timeout=10) as browser:
        first = browser.get("/market/BTC-USD", headers={"Accept": "text/html"})
        assert first.status_code == 200 and "createApp(" in first.text
        served = {browser.get("/api/health").headers[INSTANCE_HEADER] for _ in range(4)}

    assert served == {first.headers[INSTANCE_HEADER]}


def test_tabs_pinned_to_different_instances_see_each_others_orders_without_a_reload(
    cluster: Cluster, open_page: OpenPage
) -> None:
    on_first = open_pinned(open_page, cluster, "instance1").open("BTC-USD")
    on_second = open_pinned(open_page, cluster, "instance2").open("BTC-USD")
    assert (serving_instance(on_first), serving_instance(on_second)) == ("instance1", "instance2")
    on_first.mark_document()
    on_second.mark_document()
    first_trader = register_trader(cluster.instance("instance1").base_url)
    second_trader = register_trader(cluster.instance("instance2").base_url)

    place(first_trader, "sell", "31111.11", "0.0123")  # stored by instance1: instance2's tab must show it
    on_second.wait_for_level("asks", "31111.11", "0.0123")
    place(second_trader, "buy", "21111.11", "0.0456")  # and the other way round
    on_first.wait_for_level("bids", "21111.11", "0.0456")
    on_first.wait_for_level("asks", "31111.11", "0.0123")
    on_second.wait_for_level("bids", "21111.11", "0.0456")

    assert on_first.document_is_marked() and on_second.document_is_marked()
    for trader in (first_trader, second_trader):
        trader.client.delete("/api/orders")
        trader.client.close()


def test_signing_in_through_one_instance_holds_on_the_other_and_signing_out_ends_it_on_both(
    cluster: Cluster, open_page: OpenPage
) -> None:
    trader = register_trader(cluster.base_url)
    page = open_pinned(open_page, cluster, "instance1")
    page.sign_in(trader.username, PASSWORD)
    assert serving_instance(page) == "instance1"

    pin(page.driver, cluster, "instance2")  # the same browser (same session cookie), now served by instance2
    page.open("BTC-USD")

    assert serving_instance(page) == "instance2"
    page.wait_for_trader_name(trader.username)

    page.driver.get(f"{cluster.base_url}/logout")  # on instance2
    pin(page.driver, cluster, "instance1")
    page.open("BTC-USD")
    assert serving_instance(page) == "instance1"
    page.wait_for_trader_name("")
    trader.client.close()


def test_wrong_api_keys_sent_to_one_instance_count_on_the_other(cluster: Cluster) -> None:
    # A made-up client address (uvicorn trusts X-Forwarded-For from 127.0.0.1), so no other test is throttled.
    headers = {"Authorization": "Bearer wrong-key", "X-Forwarded-For": "10.9.8.7"}
    first, second = cluster.instance("instance1").base_url, cluster.instance("instance2").base_url
    for _ in range(20):  # the limit per address and minute (app/accounts/throttle.py)
        assert httpx.get(f"{first}/api/orders", headers=headers, timeout=10).status_code == 401

    refused = httpx.get(f"{second}/api/orders", headers=headers, timeout=10)

    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    other_address = {**headers, "X-Forwarded-For": "10.9.8.6"}
    assert httpx.get(f"{second}/api/orders", headers=other_address, timeout=10).status_code == 401
