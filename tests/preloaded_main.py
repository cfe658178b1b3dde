"""`python main.py` without its imports' cost: forked from a process that has imported the app once (a fork server).

Importing the app costs a server start most of its CPU (~2 s here, and the suite starts about a hundred servers).
`multiprocessing`'s fork server imports the app's modules once per test worker and forks a process per server; each
fork then does what `python main.py ARGS` does once its imports are done: runs main.py as `__main__`, with the
server's own environment, working directory, process group and log file, and exits with main.py's exit status. A
process is still a process: signals, crashes, restarts and two servers on one database behave as with `python main.py`.

What this cannot be is a start of another checkout's code (its modules differ from the ones imported here): those,
and tests of the interpreter's own start, use `subprocess.Popen` (`ServerProcess(preloaded=False)`).
"""

import atexit
import io
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

# What main.py imports for a server and for its commands: imported by the fork server before it forks anything.
PRELOADED = ["app.server", "app.settings", "app.accounts.deposit", "components.mount"]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOADED)


def _unbuffered(descriptor: int) -> io.TextIOWrapper:
    """What PYTHONUNBUFFERED=1 makes of sys.stdout and sys.stderr: every write reaches the log file at once."""
    return io.TextIOWrapper(
        io.FileIO(descriptor, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
    )


def _run_main(
    arguments: Sequence[str], environment: Mapping[str, str], cwd: str, stdout_path: str, stderr_path: str
) -> None:
    """In the forked process: become `python main.py ARGUMENTS` run from `cwd`, writing to these files."""
    os.setsid()  # start_new_session=True: the test signals the server's whole group
    for descriptor, path in ((1, stdout_path), (2, stderr_path)):
        file = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(file, descriptor)
        os.close(file)
    sys.stdout, sys.stderr = _unbuffered(1), _unbuffered(2)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environment)
    sys.argv = ["main.py", *arguments]
    if sys.path[0] != cwd:
        sys.path.insert(0, cwd)  # python main.py puts the script's folder first
    status: int | str | None = 0
    try:
        runpy.run_path(str(Path(cwd) / "main.py"), run_name="__main__")
    except SystemExit as exit_:
        status = exit_.code
    except BaseException:
        traceback.print_exc()  # as the interpreter reports an uncaught exception, and exits with 1
        status = 1
    finally:
        atexit._run_exitfuncs()  # multiprocessing ends its processes with os._exit, which runs none of them
    raise SystemExit(status)


class PreloadedProcess:
    """A running main.py forked from the fork server, handled as the `subprocess.Popen` it stands for."""

    def __init__(self, arguments: Sequence[str], environment: Mapping[str, str], cwd: Path, log_path: Path) -> None:
        self._process = _context.Process(
            target=_run_main,
            args=(list(arguments), dict(environment), str(cwd), str(log_path), str(log_path)),
            name="main.py",
        )
        self._process.start()
        assert self._process.pid is not None
        self.pid: int = self._process.pid
        self.args = ["main.py", *arguments]

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode  # as Popen's: -N when signal N ended it

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        return self.returncode

    def send_signal(self, signal: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal)


def run_main(
    arguments: Sequence[str], environment: Mapping[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`subprocess.run([python, "main.py", *arguments], capture_output=True, text=True)` for a command of main.py."""
    with tempfile.TemporaryDirectory() as folder:
        stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
        process = _context.Process(
            target=_run_main, args=(list(arguments), dict(environment), str(cwd), str(stdout), str(stderr))
        )
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["main.py", *arguments], timeout)
        return subprocess.CompletedProcess(["main.py", *arguments], process.exitcode, _read(stdout), _read(stderr))


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
