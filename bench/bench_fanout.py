"""Latency from an order's API response to its new book row in every open tab: real Chromium tabs and simulated ones.

Run from the repo root: `.venv/bin/python -m bench.bench_fanout [--browser 1,10,30] [--simulated 1,10,30,200]`.
Each configuration gets a fresh server; each test order is a new best ask at a price no other order used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    MARKET,
    SimulatedTab,
    connect_tabs,
    median,
    new_chrome,
    percentile,
    place,
    print_table,
    register_traders,
    running_server,
    seed_book,
    wait_for_low_load,
    wait_until,
)

TABS_PER_DRIVER = 10
GAP = 1.0  # s between test orders: each renders alone (pages coalesce changes within 0.1 s)
TIMEOUT = 10.0  # s a simulated tab may take to show an order before it counts as missed

# Records when each ask price first appears in this tab's book, in epoch milliseconds.
OBSERVER = """
window.__seen = {};
const scan = () => {
  const now = performance.timeOrigin + performance.now();
  for (const cell of document.querySelectorAll('.ob-asks .ob-row td:first-child .ob-cell')) {
    const price = cell.textContent.trim();
    if (!(price in window.__seen)) window.__seen[price] = now;
  }
};
new MutationObserver(scan).observe(document.body, {childList: true, subtree: true, characterData: true});
scan();
"""


def test_prices(count: int) -> Iterator[str]:
    """New best asks, descending from just under the seeded asks (30,501.00), never repeated."""
    for index in range(count):
        ticks = 3_049_000 - 7 * index
        yield f"{ticks // 100}.{ticks % 100:02d}"


def summary(name: str, tabs: int, per_order_all: list[float], per_tab: list[float], missed: int) -> list[Any]:
    return [
        name,
        tabs,
        len(per_order_all),
        median(per_order_all),
        percentile(per_order_all, 0.95),
        median(per_tab),
        missed,
    ]


# --- (a) real Chromium tabs ---------------------------------------------------------------------------------------


def browser_run(tabs: int, orders: int, code: Path | None = None) -> list[Any]:
    with running_server(code=code) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        (key,) = register_traders(server.base_url, 1)
        seed_book(server.base_url, key)
        drivers: list[Any] = []
        windows: list[tuple[Any, str]] = []
        try:
            for index in range(tabs):
                if index % TABS_PER_DRIVER == 0:
                    drivers.append(new_chrome())
                    drivers[-1].set_page_load_timeout(60)
                else:
                    drivers[-1].switch_to.new_window("window")
                driver = drivers[-1]
                driver.get(f"{server.base_url}/market/{MARKET}")
                windows.append((driver, driver.current_window_handle))
            for driver, handle in windows:
                driver.switch_to.window(handle)
                wait_until(lambda d=driver: d.execute_script("return !!(window.socket && window.socket.connected)"))
                wait_until(lambda d=driver: d.execute_script("return !!document.querySelector('.ob-asks .ob-row')"))
                driver.execute_script(OBSERVER)
            time.sleep(2)
            posted: dict[str, float] = {}
            for price in test_prices(orders):
                place(client, key, side="sell", price=price, quantity="0.0100")
                posted[price] = time.time() * 1000
                time.sleep(GAP)
            seen_by_tab = []
            for driver, handle in windows:
                driver.switch_to.window(handle)
                # None: the tab reloaded (its socket was away longer than reconnect_timeout), its observer is gone.
                seen_by_tab.append(driver.execute_script("return window.__seen") or {})
        finally:
            for driver in drivers:
                with contextlib.suppress(Exception):
                    driver.quit()
    return summarise("Chromium tabs", tabs, posted, seen_by_tab)


def summarise(name: str, tabs: int, posted: dict[str, float], seen_by_tab: list[dict[str, float]]) -> list[Any]:
    """Per order: the time until the last tab showed it; per tab and order: the time until that tab showed it."""
    per_order_all, per_tab, missed = [], [], 0
    for price, response_ms in posted.items():
        delays = [seen[price] - response_ms for seen in seen_by_tab if price in seen]
        missed += len(seen_by_tab) - len(delays)
        per_tab += delays
        if len(delays) == len(seen_by_tab):
            per_order_all.append(max(delays))
    return summary(name, tabs, per_order_all, per_tab, missed)


# --- (b) simulated socket.io tabs ---------------------------------------------------------------------------------


async def simulated_run(tabs: int, orders: int, code: Path | None = None) -> tuple[list[Any], list[int], list[int]]:
    with running_server(code=code) as server:
        (key,) = register_traders(server.base_url, 1)
        seed_book(server.base_url, key)
        clients = await connect_tabs(server.base_url, tabs)
        acks = asyncio.create_task(ack_every_3_s(clients))
        posted: dict[str, float] = {}
        sizes: list[int] = []
        counts: list[int] = []
        seen_by_tab: list[dict[str, float]] = [{} for _ in clients]
        try:
            await asyncio.sleep(2)
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as http:
                for price in test_prices(orders):
                    marks = [len(client.updates) for client in clients]
                    body = {"symbol": MARKET, "side": "sell", "price": price, "quantity": "0.0100"}
                    (await http.post("/api/orders", json=body)).raise_for_status()
                    posted[price] = time.time() * 1000
                    deadline = time.monotonic() + TIMEOUT
                    while time.monotonic() < deadline and not all(
                        shown(c, m, price, seen) for c, m, seen in zip(clients, marks, seen_by_tab, strict=True)
                    ):
                        await asyncio.sleep(0.005)
                    await asyncio.sleep(max(0.0, GAP - 0.5))
                    # Every message the order caused a tab until the next order (the book's delta, the depth chart's
                    # points, labels; the depth chart redraws at most once a second, so it may come late).
                    sizes += [sum(size for _, size, _ in c.updates[m:]) for c, m in zip(clients, marks, strict=True)]
                    counts += [len(c.updates) - m for c, m in zip(clients, marks, strict=True)]
        finally:
            acks.cancel()
            await asyncio.gather(*(client.disconnect() for client in clients))
    return summarise("simulated tabs", tabs, posted, seen_by_tab), sizes, counts


def shown(client: SimulatedTab, mark: int, price: str, seen: dict[str, float]) -> bool:
    """Whether an update since `mark` carried the price; records when the first did."""
    if price in seen:
        return True
    for received, _, text in client.updates[mark:]:
        # A delta is JavaScript inside the message (components/fast_rows.py `send`): its strings are single-quoted.
        if f'"{price}"' in text or f"'{price}'" in text:
            seen[price] = received * 1000
            return True
    return False


async def ack_every_3_s(clients: list[SimulatedTab]) -> None:
    while True:
        await asyncio.sleep(3)
        await asyncio.gather(*(client.ack() for client in clients), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", default="1,10,30", help="real tab counts ('' to skip)")
    parser.add_argument("--simulated", default="1,10,30,200", help="simulated tab counts ('' to skip)")
    parser.add_argument("--orders", type=int, default=20, help="test orders per configuration")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait up to this many s for load < 1")
    parser.add_argument("--code", type=Path, default=None, help="run the server of another checkout (e.g. older)")
    options = parser.parse_args()
    wait_for_low_load(timeout=options.wait_load)
    rows, sizes_rows = [], []
    for tabs in [int(n) for n in options.browser.split(",") if n]:
        rows.append(browser_run(tabs, options.orders, options.code))
        print(rows[-1], flush=True)
    for tabs in [int(n) for n in options.simulated.split(",") if n]:
        row, sizes, counts = asyncio.run(simulated_run(tabs, options.orders, options.code))
        rows.append(row)
        sizes_rows.append([tabs, median(sizes), median(counts)])
        print(rows[-1], flush=True)
    print(f"\nFrom the POST's response to the new row in every tab ({options.orders} orders each, ms)")
    headers = ["tabs", "count", "orders", "all tabs p50", "all tabs p95", "per tab p50", "missed"]
    print_table(headers, rows)
    if sizes_rows:
        print("\nWhat a simulated tab receives per order change (`update` and `run_javascript` messages, JSON)")
        print_table(["tabs", "median bytes per tab", "median messages per tab"], sizes_rows)
    if len(rows) > 1 and not math.isnan(rows[0][3]):
        print(f"\nall-tabs p50 of the last configuration / the first: {rows[-1][3] / rows[0][3]:.1f}x")


if __name__ == "__main__":
    main()
