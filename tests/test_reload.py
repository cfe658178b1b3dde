"""`python main.py --reload`: a changed file of the code is served without restarting the command; Ctrl-C ends it all.

Each test runs the command from a copy of the project that it may change, in a process group of its own.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.servers import ERROR_LINE, REPO_ROOT, SHUTDOWN_TIMEOUT, STARTUP_TIMEOUT, ServerProcess, free_port, sqlite_url

pytestmark = pytest.mark.process  # it runs `python main.py --reload` and edits a copy of the project

CODE = ("main.py", "app", "components", "models")  # what the Dockerfile copies: all that `python main.py` runs
# A page as a browser asks for it (an agent-like request may be answered in another form).
BROWSER = {"Accept": "text/html"}


@dataclass
class Reloading:
    """`python main.py --reload` running from a copy of the project."""

    project: Path
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def text(self, path: str) -> str:
        """What the server answers at `path` now ("" while it is restarting)."""
        try:
            return httpx.get(f"{self.base_url}{path}", headers=BROWSER, timeout=5).text
        except httpx.HTTPError:
            return ""

    def edit(self, relative: str, old: str, new: str) -> None:
        """Change a file of the project as a developer's editor would: `old`, which it holds once, becomes `new`."""
        path = self.project / relative
        source = path.read_text()
        assert source.count(old) == 1, f"{relative} does not hold {old!r} once"
        path.write_text(source.replace(old, new))

    def processes(self) -> set[int]:
        """The ids of the command's running processes: the watcher and those it started."""
        group = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _in_group(int(entry.name), self.process.pid) and _alive(int(entry.name)):
                group.add(int(entry.name))
        return group

    def server_process(self) -> int | None:
        """The id of the server process the watcher runs now (multiprocessing's spawned child), if one runs."""
        for pid in self.processes():
            with contextlib.suppress(FileNotFoundError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
        return None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except ProcessLookupError:
        return False


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, finished but not yet collected by its parent, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def eventually(condition: Callable[[], bool], timeout: float = STARTUP_TIMEOUT) -> bool:
    """Whether the condition holds within the timeout (asked every 0.2 s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's code, for a test to change."""
    copy = tmp_path / "project"
    for name in CODE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


@pytest.fixture
def reloading(project: Path, tmp_path: Path) -> Iterator[Reloading]:
    """The command, serving; afterwards stopped as Ctrl-C stops it, and its log checked for errors."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_CURRENT_TEST", "HOST", "PORT"}}
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", STORAGE_SECRET="reload-test-secret")
    command = [sys.executable, "main.py", "--reload", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--database-url", sqlite_url(tmp_path / "orderbook.db")]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Reloading(project, process, f"http://127.0.0.1:{port}", log_path)
    try:
        assert eventually(lambda: running.text("/api/health") == '{"status":"ok"}'), running.log()
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the command in its terminal
        stopped = eventually(lambda: not running.processes(), 2 * SHUTDOWN_TIMEOUT)
        if not stopped:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=SHUTDOWN_TIMEOUT)
    assert stopped, f"Ctrl-C left processes running:\n{running.log()}"
    assert not [line for line in running.log().splitlines() if ERROR_LINE.search(line)], running.log()


def test_a_changed_page_is_served_without_restarting_the_command(reloading: Reloading) -> None:
    assert '"Sign in"' in reloading.text("/login")

    reloading.edit("components/auth_pages.py", 'ui.label("Sign in")', 'ui.label("Sign in to trade")')

    assert eventually(lambda: '"Sign in to trade"' in reloading.text("/login")), reloading.log()
    assert "Reloading..." in reloading.log()


def test_a_changed_component_script_restarts_the_server_and_is_served(reloading: Reloading) -> None:
    def ladder_script() -> str:
        """The book's script as the market page links it (its address may change with the file)."""
        found = re.search(r"/_nicegui/[^\"']+/components/[^\"']+/ladder\.js", reloading.text("/market/BTC-USD"))
        return reloading.text(found.group()) if found else ""

    assert "export default" in ladder_script()
    before = reloading.server_process()

    reloading.edit("components/ladder.js", "export default {", "// changed while serving\nexport default {")

    # NiceGUI reads a component's file when it is asked for: the new server process is what says it reloaded.
    assert eventually(lambda: reloading.server_process() not in (None, before)), reloading.log()
    assert eventually(lambda: "// changed while serving" in ladder_script()), reloading.log()


def test_ctrl_c_stops_the_watcher_and_its_server_process(reloading: Reloading) -> None:
    assert reloading.server_process() is not None

    os.killpg(reloading.process.pid, signal.SIGINT)

    assert eventually(lambda: not reloading.processes(), 2 * SHUTDOWN_TIMEOUT), reloading.log()
    assert reloading.process.wait(timeout=SHUTDOWN_TIMEOUT) == 0


def test_without_reload_the_app_is_served_by_one_process(tmp_path: Path) -> None:
    server = ServerProcess(sqlite_url(tmp_path / "orderbook.db"), tmp_path / "server.log").start()
    try:
        assert server.process is not None
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
        assert children == []
    finally:
        server.stop()
    server.assert_clean_log()
