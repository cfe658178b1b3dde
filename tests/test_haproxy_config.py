"""deploy/haproxy.cfg is what deploy/run_instances.py writes for two instances, and HAProxy accepts it."""

import subprocess

import pytest

from tests.cluster.cluster import haproxy_binary, run_instances_module
from tests.servers import REPO_ROOT

SHIPPED = REPO_ROOT / "deploy" / "haproxy.cfg"


def test_the_shipped_config_is_the_scripts_config_for_two_instances() -> None:
    written = run_instances_module().haproxy_config("127.0.0.1:8080", [8081, 8082])

    assert SHIPPED.read_text() == written


@pytest.mark.process
def test_haproxy_accepts_the_shipped_config() -> None:
    checked = subprocess.run([haproxy_binary(), "-c", "-f", str(SHIPPED)], capture_output=True, text=True, timeout=30)

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_config_pins_by_cookie_redispatches_and_checks_the_api_not_a_page() -> None:
    config = SHIPPED.read_text()

    for line in (
        "balance roundrobin",
        "cookie orderbook_instance insert indirect nocache httponly",
        "option redispatch",
        "option httpchk GET /api/health",
        "timeout tunnel 1h",
        "http-response set-header X-Orderbook-Instance %s",
    ):
        assert line in config, line
