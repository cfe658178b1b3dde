"""Shared setup for the component tests: every `user` test runs the real app (main.py) on its own SQLite file."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals
from nicegui.testing.user_interaction import UserInteraction

from app import services
from app.server import create_app
from app.settings import Settings, load_settings
from app.store.queries import StatusFilter
from components import events, live
from components.ladder import OrderBookLadder
from components.layout import ShellHeader
from components.market_stats import MarketStatsBar
from components.mount import mount
from components.trades_tape import TapeTable
from models import OrderCreate, OrderPublic, TraderCreate
from models.enums import Side
from tests.servers import STARTING_BALANCES, TEST_SESSION

PASSWORD = "correct-horse-battery"
SYMBOL = "BTC-USD"
E = TypeVar("E", bound=ui.element)
T = TypeVar("T")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The app's settings for one test: a fresh SQLite file and a fixed cookie secret."""
    return load_settings(
        [],
        {
            "DATABASE_URL": f"sqlite:///{(tmp_path / 'orderbook.db').resolve()}",
            "STORAGE_SECRET": "component-tests-secret",
            "ORDERBOOK_STARTING_BALANCES": STARTING_BALANCES,
            **TEST_SESSION.environment,
        },
    )


@pytest.fixture
async def user(settings: Settings, caplog: pytest.LogCaptureFixture) -> AsyncIterator[User]:
    """The real app (the FastAPI app with NiceGUI mounted, as main.py builds it), driven by NiceGUI's simulated user.

    Replaces NiceGUI's own `user` fixture, which runs a main file written for `ui.run`: this app runs `ui.run_with`.
    """
    with nicegui_reset_globals():
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        try:
            api = create_app(settings)
            mount(api, settings)
            async with (
                api.router.lifespan_context(api),
                httpx.AsyncClient(transport=httpx.ASGITransport(api), base_url="http://test") as client,
            ):
                yield User(client)
        finally:
            os.environ.pop("NICEGUI_USER_SIMULATION", None)
            # A page this test left behind, maybe in the middle of a render (its lock held, bound to this test's event
            # loop), must not be checked by the next test's app-wide timer nor hear its changes: the app-wide events
            # outlive NiceGUI's reset (it forgets them after the first test), and so would their subscriptions.
            live._live_pages.clear()
            events.market_changed.callbacks.clear()
            events.funds_changed.callbacks.clear()
    errors = [record for record in caplog.get_records("call") if record.levelname == "ERROR"]
    assert not errors, f"the app logged errors: {[record.getMessage() for record in errors]}"


@dataclass
class Desk:
    """The test's hands on the running app: traders and orders through the services, and the page's elements."""

    user: User

    async def register(self, username: str) -> int:
        """A new trader's id."""
        running = await services.started()
        return (await running.accounts.register(TraderCreate(username=username, password=PASSWORD))).id

    async def sign_in(self, username: str) -> int:
        """Register a trader and sign in as them through /login; lands on the first market's page."""
        trader_id = await self.register(username)
        await self.user.open("/login")
        self.user.find(kind=ui.input, content="Username").type(username)
        self.user.find(kind=ui.input, content="Password").type(PASSWORD)
        self.user.find(kind=ui.button, content="Sign in").click()
        await self.user.should_see("My open orders", retries=50)
        return trader_id

    async def place(self, trader_id: int, side: Side, price: str, quantity: str) -> OrderPublic:
        """Place a limit order as another client of the exchange would (the REST route calls the same service)."""
        order_in = OrderCreate(symbol=SYMBOL, side=side, price=Decimal(price), quantity=Decimal(quantity))
        order, _ = await (await services.started()).exchange.commands.place_order(
            trader_id=trader_id, order_in=order_in
        )
        return order

    async def orders(self, trader_id: int, status: StatusFilter = "all") -> list[OrderPublic]:
        """The trader's orders as stored, newest first."""
        return await (await services.started()).exchange.reads.orders(trader_id=trader_id, status=status)

    def one(self, kind: type[E], css_class: str) -> E:
        """The one element of a kind that carries a CSS class (the components mark their parts with classes)."""
        found = [element for element in self.user.find(kind).elements if css_class in element.classes]
        assert len(found) == 1, f"expected one {kind.__name__} with class {css_class!r}, found {len(found)}"
        return found[0]

    def trigger(self, kind: type[ui.element], css_class: str, event: str, args: Any) -> None:
        """Send an event from the browser, e.g. a click inside a table's row template that has no element here."""
        UserInteraction(self.user, {self.one(kind, css_class)}, None).trigger(event, args)

    def stat(self, title: str) -> str:
        """The text of one market stat, e.g. "Last" or "24h high"."""
        return self.one(MarketStatsBar, "m-stats").value(title)

    def header(self) -> ShellHeader:
        """The page's header (one element: the market selector, the theme toggle, the account)."""
        return self.one_of(set(self.user.find(ShellHeader).elements))

    def field(self, label: str) -> ui.input:
        """An input by the start of its label, e.g. "Price" for "Price (USD)"."""
        return self.one_of(self.user.find(kind=ui.input, content=label).elements)

    @staticmethod
    def one_of(elements: set[E]) -> E:
        assert len(elements) == 1, f"expected one element, found {len(elements)}"
        return next(iter(elements))

    def column(self, css_class: str, field: str) -> list[str]:
        """One column of a table's rows, top to bottom; for the book and the tape, what the page was last sent
        (their totals and depth bars are computed in the browser: the browser tests read those)."""
        if css_class in ("ob-asks", "ob-bids"):
            book = self.one(OrderBookLadder, "ob-book").book or {"asks": [], "bids": []}
            levels = book["asks"][::-1] if css_class == "ob-asks" else book["bids"]
            return [level[("price", "size").index(field)] for level in levels]
        if css_class == "trades-tape":
            fields = ("id", "price", "quantity", "taker_side", "time")
            return [str(row[fields.index(field)]) for row in self.one(TapeTable, css_class).rows]
        return [str(row[field]) for row in self.one(ui.table, css_class).rows]

    def middle(self) -> tuple[str, str]:
        """The spread and the mid the ladder shows between its sides (sent with its book)."""
        book = self.one(OrderBookLadder, "ob-book").book or {}
        return book.get("spread", ""), book.get("mid", "")

    def last(self) -> tuple[str, str]:
        """The last price the ladder shows between its sides and the direction of its arrow ("up", "down" or "")."""
        book = self.one(OrderBookLadder, "ob-book").book or {}
        return book.get("last", "–"), book.get("direction", "")

    async def shows(self, read: Callable[[], T], expected: T, timeout: float = 3.0) -> None:
        """Wait until the page shows the expected value (pages render a change within about 0.1 s)."""
        deadline = time.monotonic() + timeout
        while read() != expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert read() == expected


@pytest.fixture
def desk(user: User) -> Desk:
    return Desk(user)
