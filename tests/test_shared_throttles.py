"""Throttles in Redis: instances count failures together; when Redis dies, each falls back to its own memory."""

import logging
from pathlib import Path

import pytest

from app.accounts.throttle import FailureLimiter, SharedStorage, TooManyAttempts
from tests.redis_server import SHARED_REDIS_URL, forget, own_redis, unique_prefix
from tests.servers import free_port

pytestmark = pytest.mark.redis


def limiter_of_an_instance(redis_url: str | None, prefix: str) -> FailureLimiter:
    """The limiter one instance would have: its own storage object, pointed at the shared Redis."""
    storage = SharedStorage()
    storage.use_redis(redis_url, prefix)
    return FailureLimiter(limit=3, window=60, name="sign-in-user", storage=storage)


async def test_failures_counted_by_two_instances_add_up() -> None:
    prefix = unique_prefix()
    first, second = limiter_of_an_instance(SHARED_REDIS_URL, prefix), limiter_of_an_instance(SHARED_REDIS_URL, prefix)
    try:
        await first.fail("user:alice")
        await second.fail("user:alice")
        await first.check("user:alice")  # two of three: still allowed

        await second.fail("user:alice")

        with pytest.raises(TooManyAttempts) as refused:
            await first.check("user:alice")
        assert 1 <= refused.value.retry_after <= 60
        await first.check("user:bob")
    finally:
        forget(SHARED_REDIS_URL, prefix)


async def test_a_success_on_one_instance_clears_the_failures_for_both() -> None:
    prefix = unique_prefix()
    first, second = limiter_of_an_instance(SHARED_REDIS_URL, prefix), limiter_of_an_instance(SHARED_REDIS_URL, prefix)
    try:
        for _ in range(3):
            await first.fail("user:carol")
        await second.succeed("user:carol")

        await first.check("user:carol")
    finally:
        forget(SHARED_REDIS_URL, prefix)


async def test_without_redis_each_instance_counts_alone() -> None:
    first, second = limiter_of_an_instance(None, "unused:"), limiter_of_an_instance(None, "unused:")
    for _ in range(3):
        await first.fail("user:dave")

    await second.check("user:dave")
    with pytest.raises(TooManyAttempts):
        await first.check("user:dave")


async def test_an_unreachable_redis_falls_back_to_memory_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    limiter = limiter_of_an_instance(f"redis://127.0.0.1:{free_port()}/0", unique_prefix())
    with caplog.at_level(logging.WARNING, logger="orderbook.throttle"):
        for _ in range(3):
            await limiter.fail("user:erin")

        with pytest.raises(TooManyAttempts):
            await limiter.check("user:erin")

    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "fall back" in warnings[0].getMessage()


async def test_redis_dying_mid_run_keeps_throttling_in_memory_and_redis_coming_back_is_used_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with own_redis(tmp_path) as (url, process):
        limiter = limiter_of_an_instance(url, unique_prefix())
        await limiter.fail("user:frank")
        await limiter.check("user:frank")
        process.kill()
        process.wait()

        with caplog.at_level(logging.WARNING, logger="orderbook.throttle"):
            for _ in range(3):
                await limiter.fail("user:frank")  # no exception: counted in memory
            with pytest.raises(TooManyAttempts):
                await limiter.check("user:frank")
    assert limiter.storage.failing
    assert any("fall back" in record.getMessage() for record in caplog.records)

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with own_redis(tmp_path, port=port):  # the same address again, empty (it kept nothing on disk)
        await limiter.check("user:frank")  # counted in Redis again, where nothing failed yet
        assert not limiter.storage.failing
