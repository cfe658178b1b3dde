"""Toasts: one look per outcome, shown at the top centre, away from the orders table and its Cancel buttons."""

from typing import Literal

from nicegui import ui

Kind = Literal["positive", "negative", "warning", "info"]
POSITION: Literal["top"] = "top"


def toast(message: str, kind: Kind) -> None:
    ui.notify(message, type=kind, position=POSITION, classes=f"toast toast-{kind}")
