"""Order flow from client threads against several instances at once, and what each instance showed meanwhile."""

import itertools
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.crash_support import SYMBOLS, Ack, Desk, FlowRecord
from tests.servers import register_trader


@dataclass
class SequenceWatch:
    """Each instance's book sequence per market, as polled during the flow: it may stand still, never go back."""

    seen: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def poll(self, base_urls: dict[str, str], stop: threading.Event) -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                for name, base_url in base_urls.items():
                    for symbol in SYMBOLS:
                        try:
                            response = client.get(f"{base_url}/api/markets/{symbol}/book", params={"depth": 1})
                        except httpx.TransportError:
                            continue  # a killed instance stops answering
                        if response.status_code == 200:
                            self.seen.setdefault((name, symbol), []).append(response.json()["sequence"])
                time.sleep(0.02)

    def backwards(self) -> list[tuple[str, str, int, int]]:
        """(instance, market, before, after) wherever a later poll showed a lower sequence."""
        return [
            (name, symbol, before, after)
            for (name, symbol), sequences in self.seen.items()
            for before, after in itertools.pairwise(sequences)
            if after < before
        ]


def make_desks(base_url: str, count: int, traders: int, seed: str) -> list[Desk]:
    """`count` trading desks shared by `traders` traders registered through `base_url`."""
    rng = random.Random(seed)
    registered = [register_trader(base_url) for _ in range(traders)]
    for trader in registered:
        trader.client.close()
    return [Desk(i, i % traders, registered[i % traders].api_key, random.Random(rng.random())) for i in range(count)]


@contextmanager
def flowing(
    desks_by_url: list[tuple[Desk, str]], watch_urls: dict[str, str]
) -> Iterator[tuple[FlowRecord, SequenceWatch]]:
    """Every desk trades against its URL and the watch polls, until the block ends."""
    record, watch, stop = FlowRecord(), SequenceWatch(), threading.Event()
    threads = [threading.Thread(target=desk.trade_until_killed, args=(url, record, stop)) for desk, url in desks_by_url]
    threads.append(threading.Thread(target=watch.poll, args=(watch_urls, stop)))
    for thread in threads:
        thread.start()
    try:
        yield record, watch
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client thread hangs"


def lost_acknowledgements(base_url: str, desks: list[Desk], acks: dict[int, Ack]) -> list[str]:
    """Every acknowledged order read back by its owner: why each one is missing or in an impossible state."""
    keys = {desk.owner: desk.api_key for desk in desks}
    problems: list[str] = []
    for owner, api_key in keys.items():
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30) as client:
            for ack in (ack for ack in acks.values() if ack.owner == owner):
                response = client.get(f"/api/orders/{ack.order_id}")
                if response.status_code != 200:
                    problems.append(f"order {ack.order_id}: {response.status_code} {response.text}")
                elif problem := ack.later_state_problem(Ack.of(owner, response.json())):
                    problems.append(f"order {ack.order_id}: {problem}")
    return problems
