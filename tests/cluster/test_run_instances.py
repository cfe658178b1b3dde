"""deploy/run_instances.py: N instances and HAProxy from one command, all stopped by one Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.cluster.cluster import INSTANCE_HEADER
from tests.redis_server import SHARED_REDIS_URL, forget, unique_prefix
from tests.servers import REPO_ROOT, STARTUP_TIMEOUT, free_port, postgres_database
from tests.stream_support import StreamClient


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_script_serves_two_instances_through_the_proxy_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port, prefix = free_port(), unique_prefix()
    environment = {k: v for k, v in os.environ.items() if k not in {"PYTEST_CURRENT_TEST", "HOST", "PORT"}}
    environment |= {"ORDERBOOK_REDIS_PREFIX": prefix, "STORAGE_SECRET": "run-instances-test-secret-of-some-length"}
    with postgres_database() as database_url, (tmp_path / "run.log").open("wb") as log:
        command = [sys.executable, "deploy/run_instances.py", "--instances", "2", "--port", str(port)]
        command += ["--database-url", database_url, "--redis-url", SHARED_REDIS_URL]
        script = subprocess.Popen(
            command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            seen: set[str] = set()
            deadline = time.monotonic() + STARTUP_TIMEOUT * 2
            while seen != {"instance1", "instance2"} and time.monotonic() < deadline:
                assert script.poll() is None, (tmp_path / "run.log").read_text()
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                    if answer.status_code == 200:
                        seen.add(answer.headers[INSTANCE_HEADER])
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            assert seen == {"instance1", "instance2"}, (tmp_path / "run.log").read_text()
            stream = StreamClient(f"http://127.0.0.1:{port}")  # the streaming API's websocket passes the proxy too
            stream.send(op="subscribe", id=1, channel="book", market="BTC-USD")
            assert stream.answer(1)["status"] == 200
            assert stream.until(lambda message: message.get("type") == "snapshot")["market"] == "BTC-USD"
            stream.close()

            os.killpg(script.pid, signal.SIGINT)  # what Ctrl-C in its terminal sends to the whole group
            assert script.wait(timeout=30) == 0
        finally:
            if script.poll() is None:
                os.killpg(script.pid, signal.SIGKILL)
                script.wait()
            forget(SHARED_REDIS_URL, prefix)
        deadline = time.monotonic() + 10
        while any(listening(p) for p in (port, port + 1, port + 2)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(listening(p) for p in (port, port + 1, port + 2))
