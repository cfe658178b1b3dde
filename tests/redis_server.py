"""Redis for tests: the shared one at 127.0.0.1:6379 with a key prefix per run, or a throwaway redis-server."""

import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.servers import free_port

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"
STARTUP_TIMEOUT = 10.0


def unique_prefix() -> str:
    """Keys of one test run only, so runs sharing the Redis never see each other's sessions or failures."""
    return f"orderbook-test-{uuid.uuid4().hex[:8]}:"


def forget(redis_url: str, prefix: str) -> None:
    """Delete every key under `prefix`."""
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)


@contextmanager
def own_redis(directory: Path, port: int | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of the test's own on a free port (so that the test may kill it), and its process."""
    port = port or free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                with redis.Redis.from_url(url, socket_connect_timeout=0.5) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
