"""Live Orderbook: `python main.py` serves the app (see `python main.py --help`)."""

from app.server import run

if __name__ in {"__main__", "__mp_main__"}:
    run()
