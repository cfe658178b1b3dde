"""Real headless Chromium against real `python main.py` processes: browsers, servers, traders.

Chromium is driven through Selenium directly (one driver per simulated tab, all in the foreground) rather than
pytest-selenium's single `selenium` fixture; pytest-selenium's plugins stay loaded, and none of these tests may be
skipped as "destructive" by them (see `sensitive_url` below).
"""

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.pages import MarketPage
from tests.servers import CHROME_ARGUMENTS, ServerProcess, Trader, register_trader, serving, sqlite_url

os.environ["SE_OFFLINE"] = "true"  # there is no network: Selenium Manager must use the installed chromedriver

PASSWORD = "correct-horse-battery"  # the password `tests.servers.register_trader` registers traders with
BROWSER_ARGUMENTS = (*CHROME_ARGUMENTS, "--window-size=1400,1000")

OpenPage = Callable[..., MarketPage]
StartServer = Callable[..., ServerProcess]
NewTrader = Callable[[], Trader]


@pytest.fixture
def sensitive_url() -> bool:
    """pytest-selenium skips "destructive" tests when the base URL looks sensitive; these servers are our own."""
    return False


def chrome_options() -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    for argument in BROWSER_ARGUMENTS:
        options.add_argument(argument)
    return options


def start_chrome() -> WebDriver:
    driver_path = shutil.which("chromedriver")
    service = Service(executable_path=driver_path) if driver_path else Service()
    return webdriver.Chrome(options=chrome_options(), service=service)


@pytest.fixture(scope="session")
def idle_browsers() -> Iterator[list[WebDriver]]:
    """Browsers between tests: starting Chromium costs seconds, a fresh window and no cookies cost nothing."""
    idle: list[WebDriver] = []
    yield idle
    for driver in idle:
        with contextlib.suppress(Exception):
            driver.quit()


def _forget_everything(driver: WebDriver) -> WebDriver:
    """The same browser with no cookies and one new window (so no old tab's sessionStorage either)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    old_windows = driver.window_handles
    driver.switch_to.new_window("window")
    fresh = driver.current_window_handle
    for handle in old_windows:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(fresh)
    return driver


@pytest.fixture
def open_page(idle_browsers: list[WebDriver]) -> Iterator[OpenPage]:
    """Opens a browser of its own (a "tab") on a server: `open_page(server.base_url)`; reused by later tests."""
    in_use: list[WebDriver] = []

    def open_new(base_url: str) -> MarketPage:
        in_use.append(_forget_everything(idle_browsers.pop()) if idle_browsers else start_chrome())
        return MarketPage(in_use[-1], base_url)

    yield open_new
    for driver in in_use:
        try:
            driver.get("about:blank")  # leave the app now: the page must not outlive the test's servers
            idle_browsers.append(driver)
        except Exception:
            with contextlib.suppress(Exception):
                driver.quit()


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` with `variables` set, for a `ServerProcess.start()` (which hands os.environ to the process)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start_server(database_url: str, log_path: Path, env: Mapping[str, str] | None = None) -> ServerProcess:
    """A `python main.py` on `database_url`, with extra environment variables (e.g. ORDERBOOK_TRANSPORTS)."""
    with _environment(env or {}):
        return ServerProcess(database_url, log_path).start()


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server on a SQLite file for the whole browser session; tests isolate themselves by fresh traders."""
    directory = tmp_path_factory.mktemp("browser")
    with serving(start_server(sqlite_url(directory / "orderbook.db"), directory / "server.log")) as process:
        yield process


@pytest.fixture
def server(shared_server: ServerProcess) -> Iterator[ServerProcess]:
    """The shared server; the test fails if the server logs an error while it runs."""
    offset = shared_server.log_size()
    yield shared_server
    shared_server.assert_clean_log(since=offset)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[StartServer]:
    """Starts more servers: `server_factory(database_url, ORDERBOOK_TRANSPORTS="polling")`; stopped, logs checked."""
    started: list[ServerProcess] = []

    def start(database_url: str, **env: str) -> ServerProcess:
        started.append(start_server(database_url, tmp_path / f"server-{len(started)}.log", env))
        return started[-1]

    yield start
    for process in started:
        process.stop()
    for process in started:
        process.assert_clean_log()


@pytest.fixture
def new_trader(server: ServerProcess) -> Iterator[NewTrader]:
    """Registers traders on the shared server; whatever they leave resting is cancelled after the test."""
    registered: list[Trader] = []

    def register() -> Trader:
        registered.append(register_trader(server.base_url))
        return registered[-1]

    yield register
    for trader in registered:
        with contextlib.suppress(httpx.HTTPError):
            trader.client.delete("/api/orders")
        trader.client.close()


def place(trader: Trader, side: str, price: str, quantity: str, symbol: str = "BTC-USD") -> dict:
    """Place a limit order through the REST API and return it."""
    body = {"symbol": symbol, "side": side, "type": "limit", "price": price, "quantity": quantity}
    response = trader.client.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def server_book(base_url: str, symbol: str = "BTC-USD", depth: int = 500) -> dict[str, list[tuple[str, str]]]:
    """The server's book as (price, quantity) levels best first, the shape `MarketPage.book()` reads."""
    response = httpx.get(f"{base_url}/api/markets/{symbol}/book", params={"depth": depth}, timeout=10)
    assert response.status_code == 200, response.text
    book = response.json()
    return {side: [(level["price"], level["quantity"]) for level in book[side]] for side in ("bids", "asks")}
