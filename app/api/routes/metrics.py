"""The health check, and what the process holds: pages, subscriptions, tasks, memory (for operators and tests)."""

import asyncio
import gc
import time
from pathlib import Path

from fastapi import APIRouter
from sqlmodel import SQLModel

from app import services
from app.api.routes.responses import UNAVAILABLE
from app.errors import Unavailable
from app.observability.pages import page_count
from app.store.db import Database, ping

router = APIRouter(tags=["health"])
PROBE_INTERVAL = 1.0  # s
_probe: dict[str, float | bool] = {"at": float("-inf"), "answers": False}


# Returned by /api/metrics.
class Metrics(SQLModel):
    clients: int  # NiceGUI clients (pages) the process holds
    subscriptions: int  # pages subscribed to the change feed
    tasks: int  # asyncio tasks alive
    tab_storages: int  # NiceGUI's in-memory `app.storage.tab` dicts (components/memory.py prunes them)
    rss_kib: int  # resident memory of the process
    python_objects: int  # objects the garbage collector tracks (dicts, lists, instances): what pages are made of
    sequences: dict[str, int]  # each market's latest sequence


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@router.get("/health", responses=UNAVAILABLE)
async def health() -> dict[str, str]:
    """Ready once the books are loaded and while the database answers (a 503 else); for proxies, never a page."""
    if not await _database_answers(services.current().database):
        raise Unavailable("the database is not reachable; retry in a moment")
    return {"status": "ok"}


async def _database_answers(database: Database) -> bool:
    """Whether `SELECT 1` worked, asked at most once a PROBE_INTERVAL: frequent checks cost one query a second."""
    if time.monotonic() - _probe["at"] >= PROBE_INTERVAL:
        # Two checks arriving together may both probe: harmless, and no lock tied to one event loop.
        _probe["at"] = time.monotonic()
        _probe["answers"] = await asyncio.to_thread(ping, database)
    return bool(_probe["answers"])


@router.get("/metrics", responses=UNAVAILABLE)
async def metrics() -> Metrics:
    """What the process holds right now: a page that has left must not stay in any of these."""
    exchange = (await services.started()).exchange
    return Metrics(
        # What only the UI can count, as it registered them (app/observability/pages.py).
        clients=page_count("pages"),
        subscriptions=page_count("subscriptions"),
        tasks=len(asyncio.all_tasks()),
        tab_storages=page_count("tab_storages"),
        rss_kib=_rss_kib(),
        # Walks the tracked objects each scrape; those frozen after start-up (app/server.py) are counted, not walked.
        python_objects=len(gc.get_objects()) + gc.get_freeze_count(),
        sequences={symbol: writer.snapshot.sequence for symbol, writer in exchange.writers.items()},
    )
