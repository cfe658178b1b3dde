"""deploy/nginx.conf in front of a real server: the API, a page, NiceGUI's websocket and the stream pass through it."""

import base64
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import REPO_ROOT, STARTUP_TIMEOUT, ServerProcess, free_port, serving, sqlite_url
from tests.stream_support import StreamClient

pytestmark = pytest.mark.process

SITE_CONFIG = REPO_ROOT / "deploy" / "nginx.conf"
# What a distribution's /etc/nginx/nginx.conf gives the site file, confined to a folder of the test's own. One
# process in the foreground (no master and workers), so it runs as the test's user and stops with it.
MAIN_CONFIG = """
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/orderbook.conf;
}}
"""


def nginx_binary() -> str:
    """nginx (Debian puts it in /usr/sbin, which a non-root PATH may lack); .ci/test.sh installs it."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(found).exists(), "nginx is not installed: `apt-get install nginx` (.ci/test.sh does)"
    return found


def site_config(listen_port: int, upstream_port: int) -> str:
    """deploy/nginx.conf with the test's ports in place of 80 and 8080."""
    text = SITE_CONFIG.read_text()
    assert text.count("listen 80;") == 1 and text.count("server 127.0.0.1:8080;") == 1
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen_port};").replace(
        "server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};"
    )


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"nginx exited with {process.returncode}:\n{log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx not listening on {port} after {STARTUP_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def proxy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of nginx, configured by deploy/nginx.conf, in front of a real `python main.py`."""
    root = tmp_path_factory.mktemp("nginx")
    with serving(ServerProcess(sqlite_url(root / "orderbook.db"), root / "server.log").start()) as server:
        port = free_port()
        (root / "orderbook.conf").write_text(site_config(port, server.port))
        (root / "nginx.conf").write_text(MAIN_CONFIG.format(root=root))
        command = [nginx_binary(), "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")]
        nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, nginx, root / "error.log")
            yield f"http://127.0.0.1:{port}"
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def test_an_api_call_passes_through_nginx(proxy_url: str) -> None:
    response = httpx.get(f"{proxy_url}/api/markets", timeout=10)
    assert response.status_code == 200
    assert "BTC-USD" in {market["symbol"] for market in response.json()}


def test_a_page_loads_through_nginx(proxy_url: str) -> None:
    response = httpx.get(f"{proxy_url}/market/BTC-USD", headers={"Accept": "text/html"}, timeout=15)
    assert response.status_code == 200
    assert "createApp(" in response.text  # NiceGUI's page, not an nginx error page


def test_the_socketio_websocket_upgrades_through_nginx(proxy_url: str) -> None:
    host, port = proxy_url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        "GET /_nicegui_ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(handshake.encode())
        received = receive_until(sock, b"", lambda data: b"\r\n\r\n" in data)
        headers, _, frames = received.partition(b"\r\n\r\n")
        assert headers.startswith(b"HTTP/1.1 101"), headers
        # engine.io's open packet in the first frame: the upgraded socket really carries the app's data.
        assert b'0{"sid"' in receive_until(sock, frames, lambda data: b'0{"sid"' in data)


def test_the_streaming_api_answers_through_nginx(proxy_url: str) -> None:
    stream = StreamClient(proxy_url)
    stream.send(op="subscribe", id=1, channel="book", market="BTC-USD")
    assert stream.answer(1)["status"] == 200
    assert stream.until(lambda message: message.get("type") == "snapshot")["market"] == "BTC-USD"
    stream.close()


def receive_until(sock: socket.socket, received: bytes, done: Callable[[bytes], bool]) -> bytes:
    """Bytes from `sock` after `received` until `done` holds of all of them, or the peer closes."""
    while not done(received) and (chunk := sock.recv(4096)):
        received += chunk
    return received
