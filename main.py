"""Live Orderbook: `python main.py` serves the app (see `python main.py --help`); `python main.py deposit ...` funds."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["deposit"]:
        # The operator's command (app/accounts/deposit.py) needs the database only, not the web stack.
        from app.accounts.deposit import run

        raise SystemExit(run(sys.argv[2:]))
    from app.server import create_app, serve
    from app.settings import load_settings
    from components.mount import mount

    settings = load_settings()
    api = create_app(settings)
    mount(api, settings)
    serve(api, settings)
