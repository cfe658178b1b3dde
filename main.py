"""Live Orderbook: `python main.py` serves the app (see `python main.py --help`)."""

from app.server import create_app, serve
from app.settings import load_settings
from components.mount import mount

if __name__ == "__main__":
    settings = load_settings()
    api = create_app(settings)
    mount(api, settings)
    serve(api, settings)
