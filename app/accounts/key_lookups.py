"""Which trader an API key belongs to, for every request: the keys that arrive together are looked up together.

Every API request presents a key, and each lookup used to cost a hop to a worker thread and a SELECT of its own.
Here the keys that arrive while a lookup runs wait for the next one, which reads them all in one thread hop and one
SELECT: at one request at a time nothing changes, under load one lookup serves many requests. Nothing is cached, so
every request is checked against the database after it arrived: a rotated key stops working at once, in every process.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """The trader an API request is made for (all a route needs of it)."""

    id: int
    username: str


# The most keys one SELECT carries (bound parameters: SQLite allows 32,766, PostgreSQL 65,535).
MAX_KEYS = 500

LookUp = Callable[[list[str]], dict[str, Caller]]  # key hashes -> the callers of those that are valid (blocking)


class KeyLookups:
    """Answers `caller(key_hash)` by batching the hashes asked for into `look_up`, run in a worker thread."""

    def __init__(self, look_up: LookUp) -> None:
        self.look_up = look_up
        self.waiting: dict[str, list[asyncio.Future[Caller | None]]] = {}
        self.running = False

    async def caller(self, key_hash: str) -> Caller | None:
        future: asyncio.Future[Caller | None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(key_hash, []).append(future)
        if not self.running:
            self.running = True
            # Not run here: the other requests that arrived in this turn of the event loop join the same lookup.
            asyncio.get_running_loop().call_soon(self._next)
        return await future

    def _next(self) -> None:
        """Look up what is waiting (at most MAX_KEYS keys) in a worker thread; the rest wait for the next round."""
        if not self.waiting:
            self.running = False
            return
        hashes = list(self.waiting)[:MAX_KEYS]
        futures = {key_hash: self.waiting.pop(key_hash) for key_hash in hashes}
        done = asyncio.get_running_loop().run_in_executor(None, self.look_up, hashes)
        done.add_done_callback(lambda finished: self._answer(futures, finished))

    def _answer(self, futures: dict[str, list[asyncio.Future[Caller | None]]], finished: asyncio.Future) -> None:
        error = None if finished.cancelled() else finished.exception()
        callers: dict[str, Caller] = {} if error is not None or finished.cancelled() else finished.result()
        for key_hash, waiters in futures.items():
            for waiter in waiters:
                if waiter.done():  # its request went away meanwhile
                    continue
                if finished.cancelled():
                    waiter.cancel()
                elif error is not None:
                    waiter.set_exception(error)  # e.g. the database is unreachable: each request answers a 503
                else:
                    waiter.set_result(callers.get(key_hash))
        self._next()
