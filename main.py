"""Live Orderbook: `python main.py` serves the app (see `python main.py --help`); `python main.py deposit ...` funds."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.settings import Settings


def build(settings: Settings) -> FastAPI:
    """The process's app: the API, with the pages mounted on it."""
    from app.server import create_app
    from components.mount import mount

    api = create_app(settings)
    mount(api, settings)
    return api


def build_reloaded() -> FastAPI:
    """What a `--reload` server process serves (uvicorn calls this there): the app, with the watcher's settings."""
    from app.server import log_to_stderr
    from app.settings import handed_over

    log_to_stderr()
    return build(handed_over())


if __name__ == "__main__":
    if sys.argv[1:2] == ["deposit"]:
        # The operator's command (app/accounts/deposit.py) needs the database only, not the web stack.
        from app.accounts.deposit import run

        raise SystemExit(run(sys.argv[2:]))
    from app.server import serve, serve_reloading
    from app.settings import load_settings

    settings = load_settings()
    if settings.reload:
        serve_reloading("main:build_reloaded", settings)  # this process watches the code: it builds no app itself
    else:
        serve(build(settings), settings)
