"""Giving memory back after pages have gone: short-lived tab storage, and freed heap pages returned to the OS.

What holds memory once pages have gone, and what this module does about it (tests/test_client_churn.py checks it):
- NiceGUI keeps an in-memory `app.storage.tab` dict per browser tab for `max_tab_storage_age` (30 days by default),
  long after the tab left. This app keeps nothing in tab storage, so they are dropped `tab_storage_age` (30 s) after
  their tab came.
- A deleted page is a web of reference cycles (elements, client, handlers): only the garbage collector's full
  collection frees it, and an idle server may not run one for a long time. After pages were deleted, one runs.
- CPython's small-object allocator keeps an arena (1 MiB) while any object in it lives, so RSS stays near its peak
  even once the objects the visits created are freed. glibc's `malloc_trim` then hands back what the C allocator
  holds free; with `PYTHONMALLOC=malloc` that is nearly everything (docs/performance.md).
"""

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import sys
import time
from collections.abc import Callable

from nicegui import Client, app

log = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


class MemoryReleaser:
    """After pages were deleted: a full garbage collection, then the heap's free pages go back to the OS."""

    def __init__(self) -> None:
        self.trim = _malloc_trim()
        self.clients_seen = 0
        self.follow_up = False

    async def check(self) -> None:
        clients = len(Client.instances)
        fewer = clients < self.clients_seen
        self.clients_seen = clients
        # Once more at the next check: a page deleted just before a collection may still be held by its last tasks
        # (a render, its outbox loop) and is only garbage after they end; nothing else may collect it for a long time.
        again, self.follow_up = self.follow_up, fewer
        if not fewer and not again:
            return
        started = time.perf_counter()
        # Holds the GIL throughout, in any thread, for a time that grows with the live objects (held pages included).
        freed = gc.collect()
        log.debug("freed %d objects in %.0f ms", freed, (time.perf_counter() - started) * 1000)
        if self.trim is not None:
            await asyncio.to_thread(self.trim, 0)  # malloc_trim scans the heap; it needs no GIL


def install(*, check_interval: float, tab_storage_age: float) -> MemoryReleaser:
    """Check every `check_interval` s (a count when no page left; a collection and trim only after pages went); drop a
    tab's storage `tab_storage_age` s after the tab came (the app never writes app.storage.tab)."""
    app.storage.max_tab_storage_age = tab_storage_age
    releaser = MemoryReleaser()
    if releaser.trim is None:
        log.info("no malloc_trim in this C library: freed heap memory stays with the process")
    app.timer(check_interval, releaser.check)
    return releaser
