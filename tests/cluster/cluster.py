"""Two (or more) real instances on one PostgreSQL and one Redis behind HAProxy with deploy/run_instances.py's config."""

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import httpx

from tests.redis_server import SHARED_REDIS_URL, forget, unique_prefix
from tests.servers import REPO_ROOT, STARTUP_TIMEOUT, ServerProcess, free_port

COOKIE = "orderbook_instance"  # the proxy's stickiness cookie (deploy/haproxy.cfg)
INSTANCE_HEADER = "X-Orderbook-Instance"
# engine.io logs its first request on a session that has just closed at ERROR (later ones at INFO): here, the tab of
# a killed instance that reconnected to the survivor and is told to reload, its last poll racing the close.
TAB_LEFT_DURING_RELOAD = re.compile(r"ERROR engineio\.server: 'Session is disconnected' \S+ \(further occurrences")


def run_instances_module() -> ModuleType:
    """deploy/run_instances.py, which is a script, not a package."""
    spec = importlib.util.spec_from_file_location("run_instances", REPO_ROOT / "deploy" / "run_instances.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def haproxy_binary() -> str:
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


@dataclass
class Cluster:
    """The instances, the proxy in front of them, and the Redis prefix their sessions and throttles share."""

    database_url: str
    directory: Path
    size: int = 2
    redis_url: str = SHARED_REDIS_URL
    redis_prefix: str = field(default_factory=unique_prefix)
    proxy_port: int = field(default_factory=free_port)
    instances: list[ServerProcess] = field(default_factory=list)
    proxy: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def names(self) -> list[str]:
        """The proxy's names for the instances, in order: instance1, instance2, ..."""
        return [f"instance{number}" for number in range(1, self.size + 1)]

    def instance(self, name: str) -> ServerProcess:
        return self.instances[self.names().index(name)]

    def environment(self) -> Mapping[str, str]:
        return {"ORDERBOOK_REDIS_URL": self.redis_url, "ORDERBOOK_REDIS_PREFIX": self.redis_prefix}

    def start(self) -> "Cluster":
        saved = {name: os.environ.get(name) for name in self.environment()}
        os.environ.update(self.environment())  # ServerProcess hands os.environ to the process
        try:
            self.instances = [ServerProcess(self.database_url, self.directory / f"{name}.log") for name in self.names()]
            for instance in self.instances:
                instance.launch()
            for instance in self.instances:
                instance.wait_until_healthy()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        config = run_instances_module().haproxy_config(
            f"127.0.0.1:{self.proxy_port}", [instance.port for instance in self.instances]
        )
        (self.directory / "haproxy.cfg").write_text(config)
        log = (self.directory / "haproxy.log").open("ab")
        command = [haproxy_binary(), "-W", "-db", "-f", str(self.directory / "haproxy.cfg")]
        self.proxy = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until_every_instance_is_up()
        return self

    def wait_until_every_instance_is_up(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until the proxy has marked each instance up (it answers with each name in turn)."""
        deadline = time.monotonic() + timeout
        seen: set[str] = set()
        while seen != set(self.names()):
            assert self.proxy is not None and self.proxy.poll() is None, (self.directory / "haproxy.log").read_text()
            try:
                response = httpx.get(f"{self.base_url}/api/health", timeout=2)
                if response.status_code == 200:
                    seen.add(response.headers[INSTANCE_HEADER])
            except (OSError, httpx.HTTPError, KeyError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the proxy showed only {sorted(seen)} after {timeout} s")
            time.sleep(0.1)

    def kill(self, name: str) -> None:
        """SIGKILL one instance: no shutdown, as when its machine dies."""
        process = self.instance(name).process
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.instance(name).process = None

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait()
            self.proxy = None
        for instance in self.instances:
            instance.stop()
        forget(self.redis_url, self.redis_prefix)

    def assert_clean_logs(self) -> None:
        for instance in self.instances:
            errors = [line for line in instance.error_lines() if not TAB_LEFT_DURING_RELOAD.search(line)]
            assert errors == [], f"{instance.base_url} logged errors: {errors[:5]}\n--- log ---\n{instance.log()}"


@contextmanager
def running_cluster(database_url: str, directory: Path, size: int = 2) -> Iterator[Cluster]:
    """A started cluster for the `with` block; stopped afterwards, failing the block if an instance logged an error."""
    cluster = Cluster(database_url, directory, size=size)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
    cluster.assert_clean_logs()
