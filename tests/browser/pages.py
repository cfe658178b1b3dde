"""Page objects for the live trading page driven through real Chromium: what a trader sees and does, and waits."""

import time
from collections.abc import Callable
from typing import Any, NamedTuple, Self, TypeVar

from selenium.common.exceptions import (
    JavascriptException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

TIMEOUT = 10.0  # generous: a wait returns as soon as the page is right, the timeout only bounds a failure
POLL_INTERVAL = 0.05
T = TypeVar("T")

# One snapshot of a table, read in one script so a re-render cannot tear it between rows.
READ_ROWS = """
return [...document.querySelectorAll(arguments[0])].map(
  row => [...row.querySelectorAll(':scope > td')].map(cell => cell.innerText.trim()));
"""
# Quasar shows a field's error in the q-field that wraps the <input> NiceGUI put the data-field on.
READ_FIELD_ERROR = """
const input = document.querySelector(`[data-field="${arguments[0]}"] input, input[data-field="${arguments[0]}"]`);
const field = input && input.closest('.q-field');
const messages = field && field.querySelector('.q-field__messages');
return messages ? messages.innerText.trim() : '';
"""


class Level(NamedTuple):
    """A price level as the ladder shows it."""

    price: str
    size: str


class OpenOrder(NamedTuple):
    """A row of "My open orders"."""

    id: int
    side: str
    price: str
    quantity: str
    status: str


def eventually(read: Callable[[], T], accept: Callable[[T], bool], what: str, timeout: float = TIMEOUT) -> T:
    """Poll `read` until `accept` holds, then return what was read; fail naming `what` and the last value seen."""
    deadline = time.monotonic() + timeout
    last = "nothing readable"
    while True:
        try:
            value = read()
        except (NoSuchElementException, StaleElementReferenceException, JavascriptException, IndexError):
            pass  # not there yet, or re-rendered under us: read again
        else:
            if accept(value):
                return value
            last = repr(value)
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}; last seen: {last}")
        time.sleep(POLL_INTERVAL)


class MarketPage:
    """One browser window on the app: the market page, and the sign-in and register pages that lead to it."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")

    # --- navigation -------------------------------------------------------------------------------------------
    def open(self, symbol: str = "BTC-USD") -> Self:
        """Load the market page and wait until it is connected and shows its book."""
        self.driver.get(f"{self.base_url}/market/{symbol}")
        self.wait_until_connected()
        self._find(".ob-bids")
        return self

    def sign_in(self, username: str, password: str) -> Self:
        """Sign in through /login; the app then shows its first market."""
        self.driver.get(f"{self.base_url}/login")
        self.fill("username", username)
        self.fill("password", password)
        self._find(".sign-in-button").click()
        self.wait_for_trader_name(username)
        return self

    def register(self, username: str, password: str) -> str:
        """Register through /register; returns the API key the dialog shows, after pressing "Start trading"."""
        self.driver.get(f"{self.base_url}/register")
        self.fill("username", username)
        self.fill("password", password)
        self._find(".register-button").click()
        api_key = eventually(lambda: self._find(".api-key code").text.strip(), bool, "the API key in the dialog")
        self._find_by_text("button", "Start trading").click()
        self.wait_for_trader_name(username)
        return api_key

    # --- the document: prove that a page was not reloaded --------------------------------------------------------
    def mark_document(self) -> None:
        """Put a marker on this document: a reload would lose it."""
        self.driver.execute_script("window.__marker = 1;")

    def document_is_marked(self) -> bool:
        return bool(self.driver.execute_script("return window.__marker === 1;"))

    # --- header and connection ---------------------------------------------------------------------------------
    def connection(self) -> str:
        """The indicator's word: Live, Polling or Offline."""
        script = "return document.querySelector('#connection-indicator .conn-word').textContent;"
        return str(self.driver.execute_script(script))

    def connection_text(self) -> str:
        """All the indicator says, e.g. "Offline since 12:34:56 UTC"."""
        return str(self.driver.execute_script("return document.getElementById('connection-indicator').textContent;"))

    def page_opacity(self) -> float:
        """The opacity of the page below the header (dimmed while a lost connection leaves it stale)."""
        script = "return getComputedStyle(document.querySelector('.q-page-container')).opacity;"
        return float(self.driver.execute_script(script))

    def transport(self) -> str | None:
        """The socket.io transport the page really uses: 'websocket' or 'polling' (None while disconnected)."""
        script = "const s = window.socket; return s && s.connected ? s.io.engine.transport.name : null;"
        return self.driver.execute_script(script)

    def wait_for_connection(self, word: str, timeout: float = TIMEOUT) -> None:
        eventually(self.connection, lambda shown: shown == word, f"the indicator to read {word!r}", timeout)

    def wait_until_connected(self) -> None:
        eventually(self.connection, lambda shown: shown in {"Live", "Polling"}, "the page to connect")

    def trader_name(self) -> str:
        names = self.driver.find_elements(By.CSS_SELECTOR, ".trader-name")
        return names[0].text.strip() if names else ""

    def wait_for_trader_name(self, username: str) -> None:
        eventually(self.trader_name, lambda shown: shown == username, f"{username!r} in the header")

    # --- the book -----------------------------------------------------------------------------------------------
    def ladder(self, side: str) -> list[Level]:
        """The levels of one side ("bids" or "asks") as shown, top row first (asks: highest price first)."""
        rows = self.driver.execute_script(READ_ROWS, f".ob-{side} tr.ob-row")
        return [Level(cells[0], cells[1]) for cells in rows]

    def book(self) -> dict[str, list[Level]]:
        """Both sides best first, in the shape of the API's book."""
        return {"bids": self.ladder("bids"), "asks": self.ladder("asks")[::-1]}

    def wait_for_book(self, accept: Callable[[dict[str, list[Level]]], bool], what: str) -> dict[str, list[Level]]:
        return eventually(self.book, accept, what)

    def wait_for_level(self, side: str, price: str, size: str) -> None:
        eventually(lambda: self.ladder(side), lambda levels: Level(price, size) in levels, f"{side} {size} @ {price}")

    def wait_for_no_level(self, side: str, price: str) -> None:
        eventually(
            lambda: self.ladder(side),
            lambda levels: all(level.price != price for level in levels),
            f"no {side} level at {price}",
        )

    def empty_message(self, table_class: str) -> str:
        """The line a table shows while it has no rows ("" while it has rows)."""
        css = f".{table_class} .q-table__bottom--nodata, .{table_class} .ob-empty, .{table_class} .tape-empty"
        messages = self.driver.find_elements(By.CSS_SELECTOR, css)
        return messages[0].text.strip() if messages else ""

    def wait_for_empty_message(self, table_class: str, text: str) -> None:
        what = f"{table_class} saying {text!r}"
        eventually(lambda: self.empty_message(table_class), lambda shown: shown == text, what)

    # --- the order form -----------------------------------------------------------------------------------------
    def fill(self, field: str, text: str) -> None:
        element = self._find(f'[data-field="{field}"] input, input[data-field="{field}"]')
        # Select and delete, as a trader would: Selenium's clear() leaves Vue's model (and so the value) as it was.
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.BACKSPACE)
        element.send_keys(text)
        eventually(lambda: element.get_attribute("value"), lambda value: value == text, f"{field} to hold {text!r}")

    def place_order(self, side: str, price: str, quantity: str) -> None:
        """Fill the form for a limit order and press the place button."""
        self._find_by_text(".order-side button", side.capitalize()).click()
        eventually(lambda: self._find(".place-order").text, lambda text: side.capitalize() in text, f"a {side} button")
        self.fill("price", price)
        self.fill("quantity", quantity)
        self._find(".place-order").click()

    def field_error(self, field: str) -> str:
        """The error shown beside a form field ('' when none)."""
        return str(self.driver.execute_script(READ_FIELD_ERROR, field))

    def wait_for_field_error(self, field: str) -> str:
        return eventually(lambda: self.field_error(field), bool, f"an error beside {field}")

    # --- balances -----------------------------------------------------------------------------------------------
    def balances(self) -> dict[str, tuple[str, str]]:
        """The balances panel: asset -> (available, in orders), as shown (not the markets holding it, under it)."""
        rows = self.driver.execute_script(READ_ROWS, ".balances tbody tr")
        return {cells[0]: (cells[1], cells[2].split("\n")[0]) for cells in rows if len(cells) == 3}

    # --- my orders ----------------------------------------------------------------------------------------------
    def open_orders(self) -> list[OpenOrder]:
        rows = self.driver.execute_script(READ_ROWS, ".my-open-orders tbody tr")
        # Id, Time, Side, Price, Avg, Qty, Value, Filled, Status, Cancel; on a phone the average shows under the price
        return [
            OpenOrder(int(c[0]), c[2], c[3].split("\n")[0], c[5], c[8]) for c in rows if len(c) >= 9 and c[0].isdigit()
        ]

    def wait_for_open_order(self, price: str) -> OpenOrder:
        """The open order at `price`, once the page lists it."""
        orders = eventually(
            self.open_orders, lambda shown: any(o.price == price for o in shown), f"an open order at {price}"
        )
        return next(order for order in orders if order.price == price)

    def cancel_order(self, order_id: int) -> None:
        row = self._find_by_text(".my-open-orders tbody tr", str(order_id), cell=0)
        row.find_element(By.CSS_SELECTOR, ".cancel-order").click()

    def wait_for_no_open_order(self, order_id: int) -> None:
        eventually(self.open_orders, lambda shown: all(o.id != order_id for o in shown), f"order {order_id} to leave")

    # --- finding elements ---------------------------------------------------------------------------------------
    def _find(self, css: str) -> WebElement:
        return eventually(lambda: self.driver.find_element(By.CSS_SELECTOR, css), _visible, f"{css} to show")

    def _find_by_text(self, css: str, text: str, cell: int | None = None) -> WebElement:
        """The first visible element matching `css` whose text (or whose `cell`-th td's text) is `text`."""

        def read() -> WebElement | None:
            for element in self.driver.find_elements(By.CSS_SELECTOR, css):
                shown = element.find_elements(By.CSS_SELECTOR, "td")[cell].text if cell is not None else element.text
                if shown.strip() == text and element.is_displayed():
                    return element
            return None

        found = eventually(read, lambda element: element is not None, f"{css} reading {text!r}")
        assert found is not None
        return found


def _visible(element: Any) -> bool:
    return bool(element.is_displayed())
