"""Throttling of failed sign-ins and API-key checks: a moving window of failures per key (user name, address)."""

import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from app.errors import ServiceError


class TooManyAttempts(ServiceError):
    """Too many failures from this user or address: 429 with Retry-After."""

    status_code = 429

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, round(retry_after))
        super().__init__(f"too many failed attempts; retry in {self.retry_after} s")


class FailureLimiter:
    """At most `limit` failures per key within `window` seconds; past that, every attempt is refused until one ages out.

    The failures live in a `limits` storage: by default this process's memory, so with several processes behind a
    proxy each throttles what reaches it. A shared storage (Redis) would throttle them together; its calls do network
    I/O, so it would come with `limits.aio` and these methods made async, to keep the event loop free.
    """

    def __init__(self, limit: int, window: int, *, name: str = "failures", storage: Storage | None = None) -> None:
        self.limit = limit
        self.window = window
        self.name = name  # keeps limiters apart when they share a storage
        self.item = RateLimitItemPerSecond(limit, window)
        # The storage expires old failures in its own thread: memory stays bounded by the keys failing recently.
        self.limiter = MovingWindowRateLimiter(storage if storage is not None else MemoryStorage())

    def check(self, *keys: str) -> None:
        """Raise TooManyAttempts when any key has used up its failures."""
        for key in keys:
            if not self.limiter.test(self.item, self.name, key):
                reset_at = self.limiter.get_window_stats(self.item, self.name, key).reset_time
                raise TooManyAttempts(reset_at - time.time())

    def fail(self, *keys: str) -> None:
        for key in keys:
            self.limiter.hit(self.item, self.name, key)

    def succeed(self, *keys: str) -> None:
        for key in keys:
            self.limiter.clear(self.item, self.name, key)


# One storage for the app's limiters, each under its own name.
STORAGE = MemoryStorage()
# Sign-in with a password: per user name (guessing one account) and per address (spraying many).
SIGN_IN_PER_USER = FailureLimiter(limit=5, window=300, name="sign-in-user", storage=STORAGE)
SIGN_IN_PER_ADDRESS = FailureLimiter(limit=20, window=300, name="sign-in-address", storage=STORAGE)
# Requests with a wrong API key, per address.
API_KEY_PER_ADDRESS = FailureLimiter(limit=20, window=60, name="api-key-address", storage=STORAGE)
