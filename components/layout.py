"""The page shell: header with the market selector, the trader's name and sign-in/out, and the connection indicator."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from nicegui import Client, app, context, ui

from components.connection import connection_indicator

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
.market-grid { display: grid; gap: 8px; }
.market-grid { grid-template-columns: minmax(260px, 1fr) minmax(360px, 2fr) minmax(260px, 1fr); }
.market-grid > * { min-width: 0; }
@media (max-width: 900px) { .market-grid { grid-template-columns: 1fr; } }
/* Beside the other columns the tape takes the height they leave and shows the rows that fit: taken out of the flow,
   it never makes the page taller than the book, the charts and the orders (nor a 1440x900 screen scroll). */
@media (min-width: 901px) {
  .market-tape { flex: 1 1 auto; position: relative; min-height: 160px; }
  .market-tape > * { position: absolute; inset: 0; overflow: hidden; }
}
/* A phone: the logo's line leaves room for the connection indicator; the selector and account go on the next. */
@media (max-width: 600px) {
  .app-header { flex-wrap: wrap; row-gap: 4px; padding-right: 16px !important; }
  .app-header .app-logo { width: calc(100% - 110px); }
  .app-header .hide-on-phone { display: none; }
  .market-stats { gap: 4px 16px; }
}
"""


@dataclass(frozen=True)
class SignedIn:
    trader_id: int
    username: str


def prefers_dark() -> bool:
    """Dark unless this browser chose light (kept in the browser's server-side storage)."""
    return app.storage.user.get("dark_mode", True) is not False


def theme_toggle() -> None:
    """Quasar's dark mode for the page, and a header button that switches it and remembers the choice."""
    dark = ui.dark_mode(prefers_dark())
    button = ui.button().props("flat round dense").classes("theme-toggle")

    def show() -> None:
        button.props(f"icon={'light_mode' if dark.value else 'dark_mode'}")
        button.tooltip("Light theme" if dark.value else "Dark theme")

    def switch() -> None:
        dark.set_value(not dark.value)
        app.storage.user["dark_mode"] = bool(dark.value)
        show()

    button.on_click(switch)
    show()


def signed_in() -> SignedIn | None:
    """The trader signed in on this browser, if any (server-side storage behind a signed cookie)."""
    trader_id = app.storage.user.get("trader_id")
    username = app.storage.user.get("username")
    if isinstance(trader_id, int) and isinstance(username, str):
        return SignedIn(trader_id, username)
    return None


# Each page's account part of the header, so that a sign-in without a page load (registration) can redraw it.
_ACCOUNT_AREAS: "WeakKeyDictionary[Client, ui.row]" = WeakKeyDictionary()


def _fill_account(area: ui.row) -> None:
    area.clear()
    trader = signed_in()
    with area:
        if trader is not None:
            ui.icon("person").classes("text-grey-7 hide-on-phone")
            ui.label(trader.username).classes("text-body1 trader-name hide-on-phone")
            ui.button("Sign out", on_click=lambda: ui.navigate.to("/logout")).props("flat dense no-caps")
        else:
            ui.link("Sign in", "/login").classes("sign-in")
            ui.link("Register", "/register").classes("register")


def show_account() -> None:
    """Redraw this page's header for whoever is signed in now."""
    area = _ACCOUNT_AREAS.get(context.client)
    if area is not None:
        _fill_account(area)


@contextmanager
def frame(title: str, symbols: list[str] | None = None, symbol: str | None = None) -> Iterator[None]:
    """Header and page body; the page's components go inside the `with` block."""
    ui.page_title(f"{title} · Live Orderbook")
    ui.add_css(CSS)
    connection_indicator()
    with ui.header(elevated=False).classes("app-header items-center gap-4 px-4 py-1 pr-48"):
        ui.link("Live Orderbook", "/").classes("text-h6 text-weight-bold no-underline text-primary app-logo")
        if symbols:
            ui.select(
                symbols,
                value=symbol,
                on_change=lambda event: ui.navigate.to(f"/market/{event.value}"),
            ).props("dense outlined options-dense").classes("w-36 market-selector")
        ui.space()
        theme_toggle()
        area = ui.row().classes("items-center gap-4 account")
        _ACCOUNT_AREAS[context.client] = area
        _fill_account(area)
    with ui.column().classes("w-full max-w-screen-2xl mx-auto p-2 gap-2 page-body"):
        yield
