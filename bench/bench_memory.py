"""Server memory (VmRSS) idle, with N connected tabs on the market page, and after they left: KiB per tab.

Run from the repo root: `.venv/bin/python -m bench.bench_memory [--simulated 50,200] [--browser 10]`, or with
`--churn` for 1,000 page visits coming and going (`PYTHONMALLOC=malloc` before it: the same with glibc's allocator).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import Any

from bench.common import (
    MARKET,
    connect_tabs,
    new_chrome,
    print_table,
    register_traders,
    rss_kib,
    running_server,
    seed_book,
    wait_for_low_load,
    wait_until,
)

SETTLE = 3.0  # s after connecting before reading RSS: first renders done, garbage collected
RELEASE = 20.0  # s after disconnecting: the app's reconnect_timeout is 15 s, then clients are deleted


def steady_rss(pid: int, seconds: float = SETTLE) -> int:
    """RSS after `seconds`, as the median of a few readings."""
    readings = []
    for _ in range(5):
        time.sleep(seconds / 5)
        readings.append(rss_kib(pid))
    return sorted(readings)[2]


async def simulated(base_url: str, pid: int, counts: list[int], idle: int) -> list[list[Any]]:
    """Connect tabs up to each count in turn (the earlier ones stay), then disconnect all and wait for release."""
    rows: list[list[Any]] = []
    tabs = []
    for count in counts:
        tabs += await connect_tabs(base_url, count - len(tabs))
        rss = await asyncio.to_thread(steady_rss, pid)
        rows.append(["simulated", count, rss / 1024, (rss - idle) / count])
    await asyncio.gather(*(tab.disconnect() for tab in tabs))
    after = await asyncio.to_thread(steady_rss, pid, RELEASE)
    rows.append(["simulated, all left", 0, after / 1024, float("nan")])
    # Python seldom hands freed memory back to the OS: reconnecting shows whether the first tabs' memory was reused.
    tabs = await connect_tabs(base_url, counts[0])
    again = await asyncio.to_thread(steady_rss, pid)
    rows.append(["simulated again", counts[0], again / 1024, (again - after) / counts[0]])
    await asyncio.gather(*(tab.disconnect() for tab in tabs))
    return rows


def browser(base_url: str, pid: int, count: int) -> list[list[Any]]:
    """Open `count` real Chromium windows on the market page (one driver), read RSS, close them, wait for release."""
    before = steady_rss(pid)
    driver = new_chrome()
    try:
        for index in range(count):
            if index:
                driver.switch_to.new_window("window")
            driver.get(f"{base_url}/market/{MARKET}")
        for handle in driver.window_handles:
            driver.switch_to.window(handle)
            wait_until(lambda: driver.execute_script("return !!(window.socket && window.socket.connected)"))
        rss = steady_rss(pid)
    finally:
        with contextlib.suppress(Exception):
            driver.quit()
    after = steady_rss(pid, RELEASE)
    return [
        ["Chromium (before)", 0, before / 1024, float("nan")],
        ["Chromium", count, rss / 1024, (rss - before) / count],
        ["Chromium, all left", 0, after / 1024, float("nan")],
    ]


def churn(base_url: str) -> list[list[Any]]:
    """tests/test_client_churn.py's 1,000 visits (50 tabs at a time), then the wait until the server let them go."""
    from tests.servers import register_trader
    from tests.test_client_churn import churn as visits

    buyer, seller = register_trader(base_url), register_trader(base_url)
    with buyer.client, seller.client:
        result = asyncio.run(visits(base_url, buyer, seller))
    peak = max(result.waves, key=lambda wave: wave["rss_kib"])
    return [
        [f"{result.visits} visits: {label}", metrics["clients"], metrics["rss_kib"] / 1024, metrics["python_objects"]]
        for label, metrics in (("idle before", result.before), ("peak", peak), ("all released", result.after))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulated", default="50,200", help="simulated tab counts, ascending ('' to skip)")
    parser.add_argument("--browser", type=int, default=10, help="real Chromium tabs (0 to skip)")
    parser.add_argument("--churn", action="store_true", help="only the 1,000-visit churn, on a server of its own")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    parser.add_argument("--code", type=Path, default=None, help="run the server of another checkout (e.g. older)")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    if options.churn:
        with running_server(code=options.code) as server:
            rows = churn(server.base_url)
        allocator = os.environ.get("PYTHONMALLOC", "pymalloc (default)")
        print(f"\nServer memory through 1,000 page visits; allocator: {allocator}")
        print_table(["state", "pages held", "RSS MiB", "Python objects"], rows)
        return
    with running_server(code=options.code) as server:
        assert server.process is not None
        pid = server.process.pid
        (key,) = register_traders(server.base_url, 1)
        seed_book(server.base_url, key)
        idle = steady_rss(pid)
        rows: list[list[Any]] = [["idle", 0, idle / 1024, float("nan")]]
        # Real tabs first: memory freed by Python is reused, so whatever runs second looks cheaper than it is.
        if options.browser:
            rows += browser(server.base_url, pid, options.browser)
        counts = [int(n) for n in options.simulated.split(",") if n]
        if counts:
            idle = steady_rss(pid)
            rows += asyncio.run(simulated(server.base_url, pid, counts, idle))
    print("\nServer memory on the market page (target ~100 KiB per connected tab)")
    print_table(["state", "tabs", "RSS MiB", "KiB per tab"], rows)


if __name__ == "__main__":
    main()
