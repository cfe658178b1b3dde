"""Several instances on one database behind HAProxy: `python deploy/run_instances.py --instances 2 --port 8080`.

Starts N `python main.py` on consecutive ports after the proxy's, all on one DATABASE_URL and one Redis (shared
sign-ins and throttles), writes a HAProxy config for them (the same as deploy/haproxy.cfg for two) and runs HAProxy
in the foreground. Ctrl-C (or SIGTERM) stops the proxy and every instance.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 60.0

HEADER = """\
# Live Orderbook: several instances on one PostgreSQL behind HAProxy, each browser pinned to one instance.
# Made by deploy/run_instances.py (which writes this for N instances); the shipped deploy/haproxy.cfg is its output
# for two instances on 8081 and 8082 behind 8080. Check a change with `haproxy -c -f deploy/haproxy.cfg`.
"""
BODY = """\
global
    maxconn 4096

defaults
    mode http
    option forwardfor           # uvicorn trusts X-Forwarded-For from 127.0.0.1: throttles count real clients
    timeout connect 2s
    timeout client 60s          # socket.io long-polling holds a request ~25 s (its ping interval)
    timeout server 60s
    timeout tunnel 1h           # an upgraded websocket lives as long as its tab
    timeout http-keep-alive 10s

frontend orderbook
    bind {bind}
    default_backend instances

backend instances
    balance roundrobin
    # A page load gets a cookie naming its instance; its socket.io connection (websocket or polling) sends it back
    # and reaches the same process, which holds that page's elements.
    cookie orderbook_instance insert indirect nocache httponly
    # An instance that is down (refused, or failed its checks) loses its browsers to a live one: the tab reloads
    # there (NiceGUI reloads a page whose client the server does not know) and gets that instance's cookie.
    option redispatch
    retries 2
    # An API route, never a page: every page GET makes a NiceGUI client. 503 while the database is unreachable.
    option httpchk GET /api/health
    http-check expect status 200
    # A dead instance's websockets die with it; a live one marked down (its database away) keeps its open tabs.
    default-server check inter 1s fall 2 rise 2
    # Which instance answered, for people and tests.
    http-response set-header X-Orderbook-Instance %s
{servers}
"""


def haproxy_config(listen: str, instance_ports: Sequence[int], host: str = "127.0.0.1") -> str:
    """The HAProxy config for instances on `instance_ports`, the proxy listening on `listen` (host:port)."""
    servers = "\n".join(
        f"    server instance{number} {host}:{port} cookie instance{number}"
        for number, port in enumerate(instance_ports, start=1)
    )
    return HEADER + BODY.format(bind=listen, servers=servers)


def instance_command(port: int) -> list[str]:
    return [sys.executable, "main.py", "--host", "127.0.0.1", "--port", str(port)]


def wait_until_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"instance on port {port} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"instance on port {port} not healthy after {STARTUP_TIMEOUT} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2, help="how many app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port; instances take the next ones")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="one database for all")
    parser.add_argument("--redis-url", default=os.environ.get("ORDERBOOK_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--haproxy", default="haproxy", help="the haproxy binary (Debian: /usr/sbin/haproxy)")
    args = parser.parse_args(argv)
    if not args.database_url or args.database_url.startswith("sqlite"):
        parser.error("--database-url (or DATABASE_URL) must name a PostgreSQL database that every instance shares")
    if args.instances < 1:
        parser.error("--instances must be at least 1")

    ports = [args.port + number for number in range(1, args.instances + 1)]
    # Every instance must verify the others' session cookies: one secret for all.
    secret = os.environ.get("STORAGE_SECRET") or secrets.token_urlsafe(48)
    env = {**os.environ, "DATABASE_URL": args.database_url, "ORDERBOOK_REDIS_URL": args.redis_url}
    env |= {"STORAGE_SECRET": secret, "PYTHONUNBUFFERED": "1"}
    for name in ("HOST", "PORT"):
        env.pop(name, None)
    processes = [subprocess.Popen(instance_command(port), cwd=REPO_ROOT, env=env) for port in ports]
    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_healthy(port, process)
        with tempfile.NamedTemporaryFile("w", suffix=".cfg", prefix="orderbook-haproxy-", delete=False) as file:
            file.write(haproxy_config(f"127.0.0.1:{args.port}", ports))
        print(f"{args.instances} instances on {ports} behind http://127.0.0.1:{args.port} (config {file.name})")
        proxy = subprocess.Popen([args.haproxy, "-W", "-db", "-f", file.name])
        processes.append(proxy)
        while not stopping and proxy.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
