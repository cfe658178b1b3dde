"""Throttling of failed sign-ins and API-key checks: a sliding window of failures per key (user name, address)."""

import time
from collections import deque
from collections.abc import Callable

from app.errors import ServiceError


class TooManyAttempts(ServiceError):
    """Too many failures from this user or address: 429 with Retry-After."""

    status_code = 429

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, round(retry_after))
        super().__init__(f"too many failed attempts; retry in {self.retry_after} s")


class FailureLimiter:
    """At most `limit` failures per key within `window` seconds; past that, every attempt is refused until one ages out.

    In memory and per process: with several processes behind a proxy, each throttles what reaches it.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float] | None:
        failures = self.failures.get(key)
        if failures is None:
            return None
        start = self.clock() - self.window
        while failures and failures[0] <= start:
            failures.popleft()
        if not failures:
            del self.failures[key]  # keeps memory bounded by the keys failing right now
            return None
        return failures

    def check(self, *keys: str) -> None:
        """Raise TooManyAttempts when any key has used up its failures."""
        for key in keys:
            failures = self._recent(key)
            if failures is not None and len(failures) >= self.limit:
                raise TooManyAttempts(failures[0] + self.window - self.clock())

    def fail(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._recent(key)
            self.failures.setdefault(key, deque()).append(now)

    def succeed(self, *keys: str) -> None:
        for key in keys:
            self.failures.pop(key, None)


# Sign-in with a password: per user name (guessing one account) and per address (spraying many).
SIGN_IN_PER_USER = FailureLimiter(limit=5, window=300)
SIGN_IN_PER_ADDRESS = FailureLimiter(limit=20, window=300)
# Requests with a wrong API key, per address.
API_KEY_PER_ADDRESS = FailureLimiter(limit=20, window=60)
