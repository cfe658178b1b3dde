"""The page shell: header with the market selector, the trader's name and sign-in/out, and the connection indicator."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from weakref import WeakKeyDictionary

from nicegui import Client, app, context, ui
from nicegui.element import Element
from nicegui.events import GenericEventArguments

from components.connection import connection_indicator
from components.nicegui_internals import set_plain
from components.shared_css import add_shared_css

CSS = """
body.body--light { background: #f6f7f9; }
body.body--dark { background: #121212; }
.app-header { border-bottom: 1px solid rgba(0, 0, 0, .12); }
.body--light .app-header { background: #fff; color: #1d1d1d; }
.body--dark .app-header { background: #1d1d1d; color: #e0e0e0; border-bottom-color: rgba(255, 255, 255, .14); }
.book-middle { background: rgba(128, 128, 128, .12); }
.body--dark .text-grey-7, .body--dark .text-grey-8 { color: #a0a0a0 !important; }
.body--dark .text-positive { color: #3ddc6b !important; }
.body--dark .text-negative { color: #ff5c6c !important; }
.body--dark .ob-bar-ask { background: rgba(255, 92, 108, .10); }
.body--dark .ob-bar-bid { background: rgba(61, 220, 107, .10); }
.ob-table .q-table th, .ob-table .q-table td, .trades-tape .q-table td { padding: 0 8px; height: 20px; }
.q-table--dense .q-table tbody tr, .q-table--dense .q-table tbody td,
.q-table--dense .q-table thead tr, .q-table--dense .q-table th { height: 20px; }
.q-table--dense .q-table th, .q-table--dense .q-table td { padding-top: 0; padding-bottom: 0; }
.ob-table .q-table { font-variant-numeric: tabular-nums; }
.trades-tape .q-table, .my-open-orders .q-table, .my-closed-orders .q-table { font-variant-numeric: tabular-nums; }
.ob-row td { position: relative; }
.ob-bar { position: absolute; top: 1px; bottom: 1px; right: 0; z-index: 0; pointer-events: none; }
.ob-asks .ob-bar, .ob-bids .ob-bar { left: auto; }
.ob-bar-ask { background: rgba(193, 0, 21, .12); }
.ob-bar-bid { background: rgba(33, 186, 69, .14); }
.ob-cell { position: relative; z-index: 1; }
/* Dark: an ask price over its red bar was red on red; a lighter red keeps it above 6:1 on the bar. */
.body--dark .ob-bar-ask + .ob-cell { color: #ff8f99; }
.body--dark .ob-bar-bid + .ob-cell { color: #5ee88a; }
.ob-row td:first-child { position: static; }
.ob-row { position: relative; }
@keyframes ob-flash { from { background: rgba(242, 192, 55, .55); } to { background: transparent; } }
.ob-flash td { animation: ob-flash .8s ease-out; }
/* The sections are the grid's own items where a column holds one (pages.py): the book | the charts | the form over
   the tape, which takes the height the book and the charts leave. A signed-in trader's book and charts columns hold
   two sections each, stacked in a column of their own so that neither waits for the other's height. */
.market-grid { display: grid; gap: 8px; grid-template-rows: auto 1fr;
               grid-template-columns: minmax(260px, 1fr) minmax(360px, 2fr) minmax(260px, 1fr);
               grid-template-areas: "book chart form" "book chart trades"; }
.market-grid > * { min-width: 0; }
.market-grid > .m-book, .market-grid > .market-book { grid-area: book; }
.market-grid > .m-chart, .market-grid > .market-charts { grid-area: chart; }
.market-grid > .m-form { grid-area: form; }
.market-grid > .m-trades { grid-area: trades; }
@media (max-width: 900px) {
  .market-grid { grid-template-columns: 1fr; grid-template-rows: none;
                 grid-template-areas: "book" "chart" "form" "trades"; }
}
/* Beside the other columns the tape takes the height they leave and shows the rows that fit: taken out of the flow,
   it never makes the page taller than the book, the charts and the orders (nor a 1440x900 screen scroll). */
@media (min-width: 901px) {
  .market-tape { flex: 1 1 auto; position: relative; min-height: 160px; }
  .market-tape > * { position: absolute; inset: 0; overflow: hidden; }
  /* The page is the screen's height at least, the grid filling what the stats leave; the trader's orders take what the
     charts leave of it and scroll inside themselves, so that many orders never make the page scroll. */
  .q-page:has(.market-grid) { display: flex; flex-direction: column; }
  .q-page:has(.market-grid) > .nicegui-content { flex-grow: 1; }
  .market-grid { flex-grow: 1; }
  .market-charts > .m-orders { flex: 1 1 0; position: relative; min-height: 240px; }
  .market-charts > .m-orders > .my-orders-card { position: absolute; inset: 0; overflow-y: auto; flex-wrap: nowrap; }
}
/* A phone: the logo's line leaves room for the connection indicator; the selector and account go on the next. */
@media (max-width: 600px) {
  .app-header { flex-wrap: wrap; row-gap: 4px; padding-right: 16px !important; }
  .app-header .app-logo { width: calc(100% - 110px); }
  .app-header .hide-on-phone { display: none; }
  .market-stats { gap: 4px 16px; }
}
/* The page's content (NiceGUI's own element) as the body: as wide as a 2xl screen at most, centred. */
.nicegui-content.page-body { width: 100%; max-width: calc(1536px + 48px); margin: 0 auto; padding: 24px; gap: 8px; }
/* A visitor's sign-in card (pages.py) is plain HTML dressed as a flat bordered q-card, in both themes. */
.body--dark .sign-in-card { background: #1d1d1d; color: #fff; border-color: rgba(255, 255, 255, .28); }
/* The header's own parts (components/layout.js): a native select and buttons, styled as Quasar's dense ones. */
.app-header-parts { display: contents; }
.market-selector { width: 9rem; height: 36px; padding: 0 8px; border-radius: 4px; font: inherit; font-size: 14px;
                   color: inherit; background: transparent; border: 1px solid rgba(0, 0, 0, .24); cursor: pointer; }
.market-selector:hover { border-color: currentColor; }
.body--dark .market-selector { border-color: rgba(255, 255, 255, .28); }
.body--dark .market-selector option { background: #1d1d1d; color: #e0e0e0; }
.shell-icon-button, .shell-text-button { border: 0; background: transparent; color: inherit; cursor: pointer;
                                         font: inherit; border-radius: 4px; }
.shell-icon-button { width: 34px; height: 34px; border-radius: 50%; display: inline-flex; align-items: center;
                     justify-content: center; font-size: 24px; }
.shell-text-button { padding: 4px 8px; font-size: 14px; font-weight: 500; color: var(--q-primary); }
.shell-icon-button:hover, .shell-text-button:hover { background: rgba(128, 128, 128, .15); }
.shell-icon-button:focus-visible, .shell-text-button:focus-visible, .market-selector:focus-visible {
  outline: 2px solid var(--q-primary); outline-offset: 1px; }
"""


@dataclass(frozen=True)
class SignedIn:
    trader_id: int
    username: str


def prefers_dark() -> bool:
    """Dark unless this browser chose light (kept in the browser's server-side storage)."""
    return app.storage.user.get("dark_mode", True) is not False


def signed_in() -> SignedIn | None:
    """The trader signed in on this browser, if any (server-side storage behind a signed cookie)."""
    trader_id = app.storage.user.get("trader_id")
    username = app.storage.user.get("username")
    if isinstance(trader_id, int) and isinstance(username, str):
        return SignedIn(trader_id, username)
    return None


class ShellHeader(Element, component="layout.js"):
    """The header's parts as one element (each NiceGUI element costs every tab kilobytes of server memory).

    Texts and links are props, so that they change here in Python; the theme toggle switches Quasar's dark mode in
    the browser at once and reports the choice, which this browser's next pages keep (`prefers_dark`).
    """

    def __init__(self, symbols: list[str] | None = None, symbol: str | None = None) -> None:
        super().__init__()
        self._props.update(title="Live Orderbook", home="/", symbol=symbol, market_path="/market/", dark=prefers_dark())
        # Lists and dicts in props become observables per page: these are set plain, and shared by every header.
        set_plain(self._props, "symbols", _shared_symbols(tuple(symbols or ())))
        set_plain(self._props, "labels", HEADER_LABELS)
        set_plain(self._props, "links", HEADER_LINKS)
        self.show_account()
        self.on("theme", self._choose_theme)

    @property
    def trader(self) -> str | None:
        """The name the header shows, or None when it offers to sign in."""
        return self._props["trader"]

    @property
    def dark(self) -> bool:
        return bool(self._props["dark"])

    def show_account(self) -> None:
        """Show whoever is signed in on this browser now."""
        trader = signed_in()
        self._props["trader"] = trader.username if trader is not None else None
        self.update()

    def _choose_theme(self, event: GenericEventArguments) -> None:
        dark = event.args is not False
        app.storage.user["dark_mode"] = dark
        self._props["dark"] = dark
        self.update()


HEADER_LABELS = {
    "market": "Market",
    "light": "Light theme",
    "dark": "Dark theme",
    "sign_in": "Sign in",
    "register": "Register",
    "sign_out": "Sign out",
    "api_docs": "API",
    "api_docs_title": "The REST API's documentation, to trade from a program",
}
HEADER_LINKS = {"sign_in": "/login", "register": "/register", "sign_out": "/logout", "api_docs": "/docs"}


@cache
def _shared_symbols(symbols: tuple[str, ...]) -> list[str]:
    return list(symbols)  # one list per set of markets, shared by the pages (never changed in place)


# Each page's header, so that a sign-in without a page load (registration) can redraw it.
_HEADERS: "WeakKeyDictionary[Client, ShellHeader]" = WeakKeyDictionary()


def show_account() -> None:
    """Redraw this page's header for whoever is signed in now."""
    header = _HEADERS.get(context.client)
    if header is not None:
        header.show_account()


@contextmanager
def frame(title: str, symbols: list[str] | None = None, symbol: str | None = None) -> Iterator[None]:
    """Header and page body; the page's components go inside the `with` block."""
    ui.page_title(f"{title} · Live Orderbook")
    add_shared_css(CSS)
    connection_indicator()
    with ui.header(elevated=False).classes("app-header items-center gap-4 px-4 py-1 pr-56"):
        _HEADERS[context.client] = ShellHeader(symbols, symbol)
    # The page's own content element is the body (no column of its own: every element costs each tab memory).
    context.client.content.classes("page-body")
    yield
