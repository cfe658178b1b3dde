"""The Dockerfile, .dockerignore and Procfile agree with the repository (no Docker engine runs here to build it)."""

import ast
import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import REPO_ROOT, STARTUP_TIMEOUT, free_port

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in joined]


def copied_sources() -> list[list[str]]:
    """Each COPY's source patterns (everything but its destination)."""
    return [shlex.split(arguments)[:-1] for name, arguments in instructions() if name == "COPY"]


def image_environment() -> dict[str, str]:
    """The ENV the image sets, `ENV A=1 B=2` as {"A": "1", "B": "2"}."""
    variables: dict[str, str] = {}
    for name, arguments in instructions():
        if name == "ENV":
            variables.update(word.split("=", 1) for word in shlex.split(arguments))
    return variables


def ignored(relative: str) -> bool:
    """Whether .dockerignore leaves `relative` (or a folder it is in) out of the build context."""
    patterns = [line.strip().rstrip("/") for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [pattern for pattern in patterns if pattern and not pattern.startswith("#")]
    parts = Path(relative).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    # Docker's "**/" also matches no folder at all: try each pattern without it too.
    candidates = patterns + [pattern.removeprefix("**/") for pattern in patterns if pattern.startswith("**/")]
    return any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes for pattern in candidates)


def context_files(pattern: str) -> list[Path]:
    """The files of the build context that a COPY source matches."""
    matched = sorted(REPO_ROOT.glob(pattern.rstrip("/")))
    files = [file for path in matched for file in ([path] if path.is_file() else sorted(path.rglob("*")))]
    return [file for file in files if file.is_file() and not ignored(str(file.relative_to(REPO_ROOT)))]


def local_imports(files: list[Path]) -> set[str]:
    """The repository's own top-level packages and modules that these Python files import."""
    own = {path.stem for path in REPO_ROOT.iterdir() if path.suffix == ".py" or (path / "__init__.py").exists()}
    names: set[str] = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names & own


def wait_for_health(port: int, process: subprocess.Popen[bytes]) -> dict | None:
    """/api/health's answer once the server gives one; None if it exits or stays silent past the start-up timeout."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).json()
        except httpx.HTTPError:
            time.sleep(0.2)
    return None


def build_context_copy(destination: Path) -> None:
    """Lay out what the image's COPY lines put in /app, from the build context."""
    for sources in copied_sources():
        for source in sources:
            for file in context_files(source):
                target = destination / file.relative_to(REPO_ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)


def test_every_copy_in_the_dockerfile_finds_its_files_in_the_build_context() -> None:
    for sources in copied_sources():
        # A wildcard source may match nothing (requirements.loc[k]); a plain one must, and each COPY needs one match.
        assert any(context_files(source) for source in sources), sources
        for source in sources:
            if not any(character in source for character in "*?["):
                assert context_files(source), f"{source} is not in the build context"


def test_the_image_copies_every_package_the_app_imports() -> None:
    sources = [source for sources in copied_sources() for source in sources]
    copied_files = [file for source in sources for file in context_files(source) if file.suffix == ".py"]
    copied_packages = {file.relative_to(REPO_ROOT).parts[0].removesuffix(".py") for file in copied_files}
    assert local_imports(copied_files) <= copied_packages


def test_the_image_runs_the_procfiles_web_command() -> None:
    procfile = dict(line.split(":", 1) for line in (REPO_ROOT / "Procfile").read_text().splitlines() if line.strip())
    commands = [json.loads(arguments) for name, arguments in instructions() if name == "CMD"]
    assert commands[-1] == shlex.split(procfile["web"])


def test_the_image_installs_the_hashed_lock() -> None:
    runs = " ".join(arguments for name, arguments in instructions() if name == "RUN")
    assert "pip install --no-deps --require-hashes -r requirements.lock" in runs
    assert any("requirements.lock" in sources for sources in copied_sources())


@pytest.mark.process
def test_the_images_files_and_environment_serve_the_api(tmp_path: Path) -> None:
    """The app as the image lays it out, from its copied files alone, with its ENV (its /data moved into tmp_path)."""
    workdir, data = tmp_path / "app", tmp_path / "data"
    build_context_copy(workdir)
    data.mkdir()
    port = free_port()
    image_env = {name: value.replace("/data", str(data)) for name, value in image_environment().items()}
    image_env["HOST"] = "127.0.0.1"  # the image binds 0.0.0.0; a test here listens on the loopback only
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_CURRENT_TEST", "HOST", "DATABASE_URL"}}
    env.update(image_env, PORT=str(port), PYTHONPATH="")
    command = json.loads([arguments for name, arguments in instructions() if name == "CMD"][-1])
    command[0] = sys.executable if command[0] == "python" else command[0]
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            health = wait_for_health(port, process)
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert health == {"status": "ok"}, (tmp_path / "server.log").read_text()
    assert (data / "orderbook.db").exists()  # on the volume, not in the image's /app
