"""The market page's sections, and on a phone the tabs (Book / Chart / Trades / Orders) that show one at a time."""

from nicegui import app, ui
from nicegui.element import Element
from nicegui.events import GenericEventArguments

from components.layout import HEADER_LABELS, HEADER_LINKS
from components.nicegui_internals import set_plain
from components.shared_css import add_shared_css

SECTIONS = {"book": "Book", "chart": "Chart", "trades": "Trades", "orders": "Orders"}
# Up to 600 px wide (a phone) the page shows the chosen tab's section and the order form, stuck to the bottom of
# the screen; wider, the tabs are hidden and every section shows in the desktop grid (layout.py) as before.
# The sections are CSS-hidden, never built twice: a second book for phones would double what each page costs.
# `display: contents` on the desktop columns makes the sections themselves the items of the phone's one column;
# the stats show only under Chart (the book has the last price), so that the book and the form fit one screen.
CSS = """
.market-sections { display: contents; }
.market-tabs { display: none; }
@media (min-width: 601px) { .phone-only { display: none !important; } }
/* Native buttons dressed as Quasar's tabs (components/market_tabs.js). */
.market-tabs .q-tab { border: 0; background: transparent; color: inherit; font: inherit; padding: 0 16px; }
.market-tabs .q-tab--active { color: var(--q-primary); }
.market-tabs .q-tab--inactive { opacity: .85; }
.market-tabs .q-tab:focus-visible { outline: 2px solid var(--q-primary); outline-offset: -2px; }
@media (max-width: 600px) {
  /* Stuck under the header (its `top` is the header's height), so that a long tab keeps its tabs at hand. */
  .market-tabs { display: flex; order: -1; position: sticky; z-index: 5; margin: -8px -8px 0; padding: 0 8px;
                 width: calc(100% + 16px) !important; }
  .body--light .market-tabs { background: #f6f7f9; }
  .body--dark .market-tabs { background: #121212; }
  /* The page fills the screen below the header, so that the form sits on the bottom edge even under a short tab. */
  .q-page:has(.market-grid) { display: flex; flex-direction: column; }
  .q-page:has(.market-grid) > .nicegui-content { flex-grow: 1; padding: 8px; }
  .market-grid { display: flex; flex-direction: column; gap: 8px; flex-grow: 1; }
  .market-grid > .market-book, .market-grid > .market-charts { display: contents; }
  .market-grid.tab-book .m-section:not(.m-book), .market-grid.tab-chart .m-section:not(.m-chart),
  .market-grid.tab-trades .m-section:not(.m-trades), .market-grid.tab-orders .m-section:not(.m-orders),
  .m-stats:has(~ .market-sections > .market-grid:not(.tab-chart)) { display: none; }
  /* The form last, stuck to the bottom edge; compact (side, price, quantity, place) until "More" opens the rest. */
  .m-form { order: 10; position: sticky; bottom: 0; z-index: 4; margin: auto -8px -8px; padding: 8px;
            width: calc(100% + 16px) !important; box-shadow: 0 -4px 12px rgba(0, 0, 0, .25); }
  .body--light .m-form { background: #f6f7f9; }
  .body--dark .m-form { background: #121212; }
  .m-form .form-more { position: absolute; top: 20px; right: 14px; z-index: 1; }
  .m-form:not(.form-open) .order-form > :not(.order-side):not(.place-order):not(.q-field):not(.post-only-error) {
    display: none; }
  .m-form:not(.form-open) .order-form { display: grid; grid-template-columns: 1fr 1fr 32px; gap: 6px 8px;
    grid-template-areas: "price quantity ." "side place place" "error error error"; padding: 8px; }
  .m-form:not(.form-open) .order-form > .q-field:has(input[data-field="price"]) { grid-area: price; }
  .m-form:not(.form-open) .order-form > .q-field:has(input[data-field="quantity"]) { grid-area: quantity; }
  .m-form:not(.form-open) .order-form > .order-side { grid-area: side; }
  .m-form:not(.form-open) .order-form > .place-order { grid-area: place; }
  .m-form:not(.form-open) .order-form > .post-only-error { grid-area: error; }
  /* The market's rules (components/market_rules.py) show in the form once "More" opens it. */
  .m-form:not(.form-open) .market-rules-card { display: none; }
  /* A market order has no price: its quantity takes the whole line. */
  .m-form:not(.form-open) .order-form > .q-field.hidden + .q-field { grid-column: 1 / 3; }
  /* A toast lies over the header and the tabs for its few seconds: taps go through it to them. */
  .q-notifications__list--top .q-notification { pointer-events: none; }
  /* Tables wrap their cells instead of scrolling sideways, whatever columns they have. */
  .market-grid .q-table th, .market-grid .q-table td { white-space: normal; overflow-wrap: anywhere; }
  .m-orders .q-table th, .m-orders .q-table td { padding: 0 3px; font-size: 11px; }
}
"""


TABS = [{"name": name, "label": label} for name, label in SECTIONS.items()]
# A visitor's cards in place of a trader's parts: the phone's Orders section, and the order form's place.
SIGN_IN_CARDS = [
    {"title": "Sign in to see your orders", "class": "m-section m-orders phone-only"},
    {"title": "Sign in to trade", "class": "m-form"},
]
NO_CARDS: list[dict[str, str]] = []


class MarketTabs(Element, component="market_tabs.js"):
    """The phone's tabs and the grid of the sections under them, as one element: `with MarketTabs(...):` the sections.

    The chosen tab is a class of the grid that the browser sets from `chosen`, so that live updates never touch it.
    A visitor's sign-in cards are drawn by the same element from props (SIGN_IN_CARDS, the header's labels and links):
    each NiceGUI element costs every open tab kilobytes of server memory.
    """

    def __init__(self, sign_in_cards: bool = False) -> None:
        super().__init__()
        add_shared_css(CSS)
        # The browser keeps its choice: a phone back from the background after the reconnect timeout reloads the page.
        chosen = app.storage.user.get("market_tab")
        chosen = chosen if chosen in SECTIONS else "book"
        # Plain and shared by every page: a list of dicts in props is observables per page.
        set_plain(self._props, "tabs", TABS)
        set_plain(self._props, "cards", SIGN_IN_CARDS if sign_in_cards else NO_CARDS)
        set_plain(self._props, "labels", HEADER_LABELS)
        set_plain(self._props, "links", HEADER_LINKS)
        self._props["chosen"] = chosen
        self.on("choose", self._choose)

    @property
    def chosen(self) -> str:
        return str(self._props["chosen"])

    def choose(self, name: str) -> None:
        """Show this tab's section (as a tap on the tab does)."""
        if name not in SECTIONS:
            return  # only the page's own tabs: the name comes from the browser
        self._props["chosen"] = name
        self.update()
        app.storage.user["market_tab"] = name

    def _choose(self, event: GenericEventArguments) -> None:
        self.choose(str(event.args))


def section(name: str, phone_only: bool = False) -> ui.column:
    """A part of the page that a phone shows under its own tab ("book", "chart", "trades", "orders")."""
    return ui.column().classes(f"w-full gap-2 m-section m-{name}{' phone-only' if phone_only else ''}")


def as_section(element: Element, name: str) -> Element:
    """A component's one element as a section itself, without a column around it (see `section`)."""
    return element.classes(f"w-full m-section m-{name}")


def sticky_form() -> ui.column:
    """The order form's place: the bottom of a phone's screen, with a button that opens the fields it hides there.

    (A visitor's sign-in card takes this place itself, as an element with the class `m-form`: no button for it.)
    """
    place = ui.column().classes("w-full gap-2 m-form")
    with place:
        ui.button(icon="tune", on_click=lambda: place.classes(toggle="form-open")).props(
            'flat round dense aria-label="More order options" title="More: order type, time in force, post-only"'
        ).classes("phone-only form-more")
    return place
