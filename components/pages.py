"""The pages: thin handlers that compose components."""

from nicegui import ui

from app import services


@ui.page("/")
def index() -> None:
    exchange = services.current().exchange
    ui.label("Live Orderbook").classes("text-2xl")
    for rules in exchange.markets:
        ui.label(f"{rules.symbol}: tick {rules.price_text(rules.tick_size)}, lot {rules.quantity_text(rules.lot_size)}")
    ui.link("API documentation", "/docs")
