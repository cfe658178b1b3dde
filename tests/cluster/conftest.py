"""Fixtures for the cluster tests: a fresh PostgreSQL database, 2 instances and HAProxy; tabs pinned to an instance."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import OpenPage, idle_browsers, open_page, sensitive_url
from tests.browser.pages import MarketPage
from tests.cluster.cluster import COOKIE, INSTANCE_HEADER, Cluster, running_cluster
from tests.servers import postgres_database

__all__ = ["idle_browsers", "open_page", "sensitive_url"]  # the browser tests' fixtures, used here too

# The instance that answers a request from this page: its cookie pins fetches to the same instance as its socket.
SERVING_INSTANCE = f"""
const done = arguments[arguments.length - 1];
fetch('/api/health').then(r => done(r.headers.get('{INSTANCE_HEADER}'))).catch(e => done('error: ' + e));
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """2 instances and the proxy on a fresh PostgreSQL database, shared by a module's tests."""
    directory = tmp_path_factory.mktemp("cluster")
    with postgres_database() as database_url, running_cluster(database_url, directory) as started:
        yield started


@pytest.fixture
def fresh_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster of the test's own, for a test that kills part of it."""
    with postgres_database() as database_url, running_cluster(database_url, tmp_path) as started:
        yield started


def pin(driver: WebDriver, cluster: Cluster, name: str) -> None:
    """Give the browser the proxy's cookie for instance `name`, as if it had been sent there before."""
    driver.execute_cdp_cmd("Network.setCookie", {"name": COOKIE, "value": name, "url": cluster.base_url})


def serving_instance(page: MarketPage) -> str:
    return str(page.driver.execute_async_script(SERVING_INSTANCE))


def open_pinned(open_page: OpenPage, cluster: Cluster, name: str) -> MarketPage:
    """A tab whose page and socket are served by instance `name` through the proxy."""
    page = open_page(cluster.base_url)
    pin(page.driver, cluster, name)
    return page
