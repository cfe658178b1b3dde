"""Throttling of failed sign-ins and API-key checks: a moving window of failures per key (user name, address)."""

import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

from app.errors import ServiceError

log = logging.getLogger("orderbook.throttle")
T = TypeVar("T")
REDIS_TIMEOUT = 0.5  # s: a throttle check that waits on a dead Redis holds a sign-in; fail open quickly instead


class TooManyAttempts(ServiceError):
    """Too many failures from this user or address: 429 with Retry-After."""

    status_code = 429

    def __init__(self, retry_after: float, what: str = "failed attempts") -> None:
        self.retry_after = max(1, round(retry_after))
        super().__init__(f"too many {what}; retry in {self.retry_after} s")


class SharedStorage:
    """Where the failures are counted: Redis when configured (so every instance counts together), else memory.

    When Redis fails, the limiters fall back to this process's memory (a warning logged) instead of refusing or
    answering 500: a throttle that is briefly per instance is better than sign-ins that stop working.
    """

    def __init__(self) -> None:
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared: MovingWindowRateLimiter | None = None
        self.failing = False

    def use_redis(self, redis_url: str | None, prefix: str = "orderbook:") -> None:
        """Count in Redis at `redis_url` (None: in memory, as a single instance does)."""
        self.shared = None
        self.failing = False
        if redis_url:
            url, key_prefix = f"async+{redis_url}", f"{prefix}limits"
            storage = RedisStorage(
                url,
                implementation="redispy",
                key_prefix=key_prefix,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
            self.shared = MovingWindowRateLimiter(storage)

    async def run(self, action: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        """`action` on the shared limiter; on the in-memory one when there is none or it fails."""
        if self.shared is not None:
            try:
                result = await action(self.shared)
            except Exception as error:  # redis' errors and OSError alike: any of them means "not reachable now"
                if not self.failing:
                    log.warning("throttles fall back to this instance's memory: Redis failed (%r)", error)
                self.failing = True
            else:
                if self.failing:
                    log.info("throttles count in Redis again")
                self.failing = False
                return result
        return await action(self.memory)


class FailureLimiter:
    """At most `limit` failures per key within `window` seconds; past that, every attempt is refused until one ages out.

    The failures live in a `SharedStorage`: Redis when configured, so that several instances behind a proxy throttle
    together; otherwise (or while Redis is down) this process's memory.
    """

    def __init__(
        self,
        limit: int,
        window: int,
        *,
        name: str = "failures",
        storage: SharedStorage | None = None,
        what: str = "failed attempts",
    ) -> None:
        self.limit = limit
        self.window = window
        self.name = name  # keeps limiters apart when they share a storage
        self.what = what  # what the 429 says was too many: which limit was hit
        self.item = RateLimitItemPerSecond(limit, window)
        self.storage = storage if storage is not None else SharedStorage()

    async def check(self, *keys: str) -> None:
        """Raise TooManyAttempts when any key has used up its failures."""
        for key in keys:
            if not await self.storage.run(partial(_test, self.item, self.name, key)):
                stats = await self.storage.run(partial(_window_stats, self.item, self.name, key))
                raise TooManyAttempts(stats.reset_time - time.time(), self.what)

    async def fail(self, *keys: str) -> None:
        for key in keys:
            await self.storage.run(partial(_hit, self.item, self.name, key))

    async def succeed(self, *keys: str) -> None:
        for key in keys:
            await self.storage.run(partial(_clear, self.item, self.name, key))


async def _test(item: RateLimitItem, name: str, key: str, limiter: MovingWindowRateLimiter) -> bool:
    return await limiter.test(item, name, key)


async def _window_stats(item: RateLimitItem, name: str, key: str, limiter: MovingWindowRateLimiter) -> WindowStats:
    return await limiter.get_window_stats(item, name, key)


async def _hit(item: RateLimitItem, name: str, key: str, limiter: MovingWindowRateLimiter) -> bool:
    return await limiter.hit(item, name, key)


async def _clear(item: RateLimitItem, name: str, key: str, limiter: MovingWindowRateLimiter) -> None:
    await limiter.clear(item, name, key)


# One storage for the app's limiters, each under its own name; start-up points it at Redis when configured.
STORAGE = SharedStorage()
# Sign-in with a password: per user name (guessing one account) and per address (spraying many).
SIGN_IN_PER_USER = FailureLimiter(limit=5, window=300, name="sign-in-user", storage=STORAGE)
SIGN_IN_PER_ADDRESS = FailureLimiter(limit=20, window=300, name="sign-in-address", storage=STORAGE)
# Requests with a wrong API key, per address and per the key's first characters (guessing one key from many
# addresses). Only wrong keys are refused by these: a valid key always goes through, so one bot with a typo does not
# lock out the others behind the same address.
API_KEY_PER_ADDRESS = FailureLimiter(
    limit=20, window=60, name="api-key-address", storage=STORAGE, what="wrong API keys from this address (20 a minute)"
)
API_KEY_PER_PREFIX = FailureLimiter(
    limit=20, window=60, name="api-key-prefix", storage=STORAGE, what="wrong API keys with this prefix (20 a minute)"
)
KEY_PREFIX_LENGTH = 12  # "lob_" and 8 random characters: a guesser varies the rest
