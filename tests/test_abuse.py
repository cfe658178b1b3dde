"""Abuse limits and authorization on a real server: key guessing, big bodies, order caps, keys, cookies, secrets."""

import base64
import itertools
import json
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import BadSignature, TimestampSigner

from app.settings import Settings, storage_secret
from tests.conftest import TraderFactory
from tests.servers import (
    REPO_ROOT,
    STARTING_BALANCES,
    TEST_SESSION,
    ServerProcess,
    register_trader,
    sqlite_url,
    unique_username,
)

pytestmark = pytest.mark.process

CAP = 3  # resting orders per trader and market on this module's server
PASSWORD = "correct-horse-battery"  # what tests/servers.py registers traders with
BUY = {"symbol": "BTC-USD", "side": "buy", "price": "10.00", "quantity": "0.1000"}
HTML = {"Accept": "text/html"}
_addresses = itertools.count(1)


@dataclass
class ConfiguredServer(ServerProcess):
    """`python main.py` with no STORAGE_SECRET (so it makes its own) and the given extra environment."""

    environment: dict[str, str] = field(default_factory=dict)

    def process_environment(self) -> dict[str, str]:
        removed = {"PYTEST_CURRENT_TEST", "HOST", "PORT", "STORAGE_SECRET", "ORDERBOOK_MAX_RESTING_ORDERS"}
        env = {k: v for k, v in os.environ.items() if k not in removed}
        env.update(DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1")
        env.setdefault("ORDERBOOK_STARTING_BALANCES", STARTING_BALANCES)
        env.update(TEST_SESSION.environment)
        env.update(self.environment)
        return env

    def arguments(self) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(self.port)]


@pytest.fixture(scope="module")
def backend() -> str:
    """The limits do not depend on the database: SQLite is enough."""
    return "sqlite"


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The module's server: a small cap on resting orders, and no STORAGE_SECRET."""
    log_path = tmp_path_factory.mktemp("log") / "server.log"
    environment = {"ORDERBOOK_MAX_RESTING_ORDERS": str(CAP)}
    process = ConfiguredServer(database_url, log_path, environment=environment).start()
    try:
        yield process
    finally:
        process.stop()
    process.assert_clean_log()


@pytest.fixture(scope="module")
def secret_file(server: ServerProcess, database_url: str) -> Path:
    """Where the server without STORAGE_SECRET must keep the one it generated: beside the SQLite file."""
    return Path(database_url.removeprefix("sqlite:///")).parent / ".storage_secret"


def new_address() -> dict[str, str]:
    """Headers that make the request come from an address no other test uses (uvicorn trusts 127.0.0.1's proxy)."""
    return {"X-Forwarded-For": f"198.51.100.{next(_addresses)}"}


def assert_error(response: httpx.Response, status: int, field: str | None = None) -> str:
    """A JSON error: a 422 names `field` last in `loc` with a reason; any other 4xx has a non-empty string detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    detail = response.json()["detail"]
    if status == 422:
        named = [entry for entry in detail if entry["loc"][-1] == field]
        assert named and all(isinstance(entry["msg"], str) and entry["msg"] for entry in named), detail
        return str(named[0]["msg"])
    assert isinstance(detail, str) and detail.strip(), detail
    return detail


def place(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/orders", json=BUY | fields)
    assert response.status_code == 201, response.text
    return response.json()


def fill_to_cap(client: httpx.Client, side: str = "buy", first_price: int = 10) -> list[dict[str, Any]]:
    return [place(client, side=side, price=f"{first_price + tick}.00") for tick in range(CAP)]


def session_cookie(response: httpx.Response) -> tuple[str, str]:
    """The `session` cookie's value and its attributes, from the Set-Cookie header."""
    headers = [header for header in response.headers.get_list("set-cookie") if header.startswith("session=")]
    assert len(headers) == 1, response.headers
    value, _, attributes = headers[0].partition(";")
    return value.removeprefix("session="), attributes.lower()


def session_id(cookie: str, secret: str) -> str:
    return json.loads(base64.b64decode(TimestampSigner(secret).unsign(cookie)))["id"]


def signed_session(session: dict[str, str], secret: str) -> str:
    return TimestampSigner(secret).sign(base64.b64encode(json.dumps(session).encode())).decode()


def test_twenty_wrong_keys_from_one_address_make_further_wrong_keys_a_429_naming_the_address_limit(
    trader: TraderFactory,
) -> None:
    _, _, client = trader()
    address = new_address()
    for attempt in range(20):
        wrong = {**address, "Authorization": f"Bearer lob_addr{attempt:04d}"}  # a new prefix each time
        assert_error(client.get("/api/orders", headers=wrong), 401)

    refused = client.get("/api/orders", headers={**address, "Authorization": "Bearer lob_addr9999"})

    assert "wrong API keys from this address" in assert_error(refused, 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_a_valid_key_is_never_refused_by_the_wrong_key_throttle_of_its_address(trader: TraderFactory) -> None:
    _, api_key, client = trader()
    address = new_address()
    for _ in range(25):
        client.get("/api/orders", headers={**address, "Authorization": "Bearer lob_typo"})
    assert_error(client.get("/api/orders", headers={**address, "Authorization": "Bearer lob_typo"}), 429)

    valid = {**address, "Authorization": f"Bearer {api_key}"}
    assert client.get("/api/balances", headers=valid).status_code == 200
    placed = client.post("/api/orders", headers=valid, json=BUY)
    assert placed.status_code == 201, placed.text


def test_guessing_one_key_prefix_from_many_addresses_is_a_429_naming_the_prefix_limit(trader: TraderFactory) -> None:
    _, _, client = trader()
    for attempt in range(20):  # 20 addresses, each well under its own limit
        wrong = {**new_address(), "Authorization": f"Bearer lob_pfx12345{attempt:04d}"}
        assert_error(client.get("/api/orders", headers=wrong), 401)

    refused = client.get("/api/orders", headers={**new_address(), "Authorization": "Bearer lob_pfx12345zzzz"})

    assert "wrong API keys with this prefix" in assert_error(refused, 429)


def test_the_throttle_of_one_address_leaves_other_addresses_alone(trader: TraderFactory) -> None:
    _, _, client = trader()
    guesser = new_address()
    for attempt in range(21):
        client.get("/api/orders", headers={**guesser, "Authorization": f"Bearer lob_one{attempt:04d}"})
    assert_error(client.get("/api/orders", headers={**guesser, "Authorization": "Bearer lob_one9999"}), 429)

    assert_error(client.get("/api/orders", headers={**new_address(), "Authorization": "Bearer lob_two0000"}), 401)


def test_requests_without_a_key_are_not_counted_as_failures(trader: TraderFactory, api: httpx.Client) -> None:
    _, _, client = trader()
    address = new_address()
    for _ in range(25):
        assert_error(api.get("/api/orders", headers=address), 401)

    assert client.get("/api/orders", headers=address).status_code == 200


@pytest.mark.parametrize(("padding", "status"), [(16 * 1024 - 200, 201), (16 * 1024, 413)], ids=["under", "over"])
def test_a_body_over_16_kib_is_refused_with_413_and_nothing_is_stored(
    trader: TraderFactory, padding: int, status: int
) -> None:
    _, _, client = trader(fresh=True)
    body = json.dumps(BUY) + " " * padding

    response = client.post("/api/orders", content=body, headers={"content-type": "application/json"})

    assert response.status_code == status, response.text
    assert len(client.get("/api/orders", params={"status": "all"}).json()) == (status == 201)


def test_a_body_over_16_kib_is_refused_with_a_json_detail(api: httpx.Client) -> None:
    body = json.dumps({"username": unique_username(), "password": PASSWORD}) + " " * (16 * 1024)

    response = api.post("/api/traders", content=body, headers={"content-type": "application/json"})

    assert_error(response, 413)


def test_a_gtc_order_past_the_cap_is_refused_with_409_naming_the_cap(trader: TraderFactory) -> None:
    _, _, client = trader()
    fill_to_cap(client)

    detail = assert_error(client.post("/api/orders", json=BUY), 409)

    assert f"{CAP} resting orders in BTC-USD" in detail
    assert len(client.get("/api/orders").json()) == CAP


@pytest.mark.parametrize(
    "order", [{"time_in_force": "IOC"}, {"time_in_force": "FOK"}, {"type": "market", "price": None}], ids=str
)
def test_orders_that_cannot_rest_are_still_accepted_at_the_cap(trader: TraderFactory, order: dict[str, Any]) -> None:
    _, _, client = trader()
    fill_to_cap(client)

    assert place(client, **order)["status"] == "expired"


def test_cancelling_one_order_at_the_cap_lets_the_trader_place_again(trader: TraderFactory) -> None:
    _, _, client = trader()
    first, *_ = fill_to_cap(client)
    assert_error(client.post("/api/orders", json=BUY), 409)

    assert client.delete(f"/api/orders/{first['id']}").status_code == 200

    assert place(client)["status"] == "open"


def test_a_resting_order_filled_by_another_trader_frees_its_place_under_the_cap(trader: TraderFactory) -> None:
    _, _, maker = trader()
    _, _, taker = trader()
    fill_to_cap(maker, side="sell", first_price=200)

    assert place(taker, price="200.00")["status"] == "filled"

    assert place(maker, side="sell", price="210.00")["status"] == "open"


def test_the_cap_counts_each_market_and_each_trader_apart(trader: TraderFactory) -> None:
    _, _, full = trader()
    _, _, other = trader()
    fill_to_cap(full)

    assert place(full, symbol="ETH-USD")["status"] == "open"
    assert place(other)["status"] == "open"


@pytest.mark.parametrize(
    ("path", "name"),
    [("/api/markets/BTC-USD/book", "depth"), ("/api/markets/BTC-USD/trades", "limit"), ("/api/orders", "limit")],
)
@pytest.mark.parametrize("value", [0, 501])
def test_an_out_of_range_depth_or_limit_is_a_422_naming_it(
    trader: TraderFactory, path: str, name: str, value: int
) -> None:
    _, _, client = trader()
    assert_error(client.get(path, params={name: value}), 422, name)
    assert client.get(path, params={name: 500}).status_code == 200


def test_a_rotated_key_replaces_the_old_one_at_once_in_every_process(
    server: ServerProcess, database_url: str, server_factory: Any
) -> None:
    assert_error(httpx.post(f"{server.base_url}/api/traders/me/api-key"), 401)
    registered = register_trader(server.base_url)
    old = {**new_address(), "Authorization": f"Bearer {registered.api_key}"}
    response = httpx.post(f"{server.base_url}/api/traders/me/api-key", headers=old)
    assert response.status_code == 200, response.text
    new = {"Authorization": f"Bearer {response.json()['api_key']}"}
    assert response.json()["api_key"] != registered.api_key

    second = server_factory(database_url)
    for base_url in (server.base_url, second.base_url):
        assert_error(httpx.get(f"{base_url}/api/orders", headers=old), 401)
        assert httpx.get(f"{base_url}/api/orders", headers=new).status_code == 200


@pytest.mark.parametrize("username", ["<b>x</b>", "<script>", "Alice", "a b c", "x\u00e9y"])
def test_a_username_outside_a_z_0_9_dash_underscore_is_a_422_naming_username(api: httpx.Client, username: str) -> None:
    response = api.post("/api/traders", json={"username": username, "password": PASSWORD})
    assert_error(response, 422, "username")


def test_another_traders_order_cannot_be_read_reduced_or_cancelled(trader: TraderFactory) -> None:
    _, _, owner = trader()
    _, _, intruder = trader()
    order = place(owner)

    assert_error(intruder.get(f"/api/orders/{order['id']}"), 404)
    assert_error(intruder.patch(f"/api/orders/{order['id']}", json={"quantity": "0.05"}), 404)
    assert_error(intruder.delete(f"/api/orders/{order['id']}"), 404)

    assert owner.get(f"/api/orders/{order['id']}").json() == order


def test_another_traders_closed_order_is_a_404_not_a_409(trader: TraderFactory) -> None:
    _, _, owner = trader()
    _, _, intruder = trader()
    order = place(owner)
    owner.delete(f"/api/orders/{order['id']}")

    assert_error(intruder.delete(f"/api/orders/{order['id']}"), 404)


def test_cancel_all_cancels_only_the_callers_orders(trader: TraderFactory) -> None:
    _, _, owner = trader()
    _, _, caller = trader(fresh=True)
    theirs, mine = place(owner), place(caller)

    cancelled = caller.delete("/api/orders").json()

    assert [order["id"] for order in cancelled] == [mine["id"]]
    assert owner.get(f"/api/orders/{theirs['id']}").json()["status"] == "open"
    assert [order["id"] for order in caller.get("/api/orders", params={"status": "all"}).json()] == [mine["id"]]


def test_without_storage_secret_one_is_generated_beside_the_database_readable_only_by_its_owner(
    server: ServerProcess, secret_file: Path
) -> None:
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32 and secret not in server.log()


def test_the_session_cookie_is_http_only_and_signed_with_the_storage_secret(
    server: ServerProcess, secret_file: Path
) -> None:
    value, attributes = session_cookie(httpx.get(f"{server.base_url}/", headers=HTML))

    assert "httponly" in attributes and "samesite=lax" in attributes
    assert session_id(value, secret_file.read_text().strip())
    with pytest.raises(BadSignature):
        session_id(value, secret="another-secret")


def test_a_session_cookie_signed_with_another_secret_is_ignored_and_replaced(
    server: ServerProcess, secret_file: Path
) -> None:
    victim, secret = "00000000-0000-4000-8000-000000000001", secret_file.read_text().strip()
    genuine = httpx.get(
        f"{server.base_url}/", headers=HTML, cookies={"session": signed_session({"id": victim}, secret)}
    )
    forged = httpx.get(f"{server.base_url}/", headers=HTML, cookies={"session": signed_session({"id": victim}, "x")})

    assert not genuine.headers.get_list("set-cookie")  # accepted as it is
    assert session_id(session_cookie(forged)[0], secret) != victim


def test_the_server_log_holds_no_password_and_no_api_key(server: ServerProcess) -> None:
    password, username, url = f"pw-{unique_username()}", unique_username(), server.base_url
    registered = httpx.post(f"{url}/api/traders", json={"username": username, "password": password})
    old_key = registered.json()["api_key"]
    headers = {**new_address(), "Authorization": f"Bearer {old_key}"}
    new_key = httpx.post(f"{url}/api/traders/me/api-key", headers=headers).json()["api_key"]
    statuses = [
        registered.status_code,
        httpx.get(f"{url}/api/orders", headers=headers).status_code,
        httpx.get(f"{url}/api/orders", headers={"Authorization": f"Bearer {new_key}"}).status_code,
        httpx.post(f"{url}/api/traders", json={"username": username, "password": password}).status_code,
        httpx.post(f"{url}/api/traders", json={"username": "<b>", "password": password}).status_code,
    ]
    assert statuses == [201, 401, 200, 409, 422]

    log = server.log()
    assert log and not [secret for secret in (password, old_key, new_key) if secret in log]


def test_no_storage_secret_is_tracked_or_hard_coded() -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    names = [name for name in tracked.decode().split("\0") if name]
    assert names and not [name for name in names if Path(name).name == ".storage_secret"]
    assert ".storage_secret" in (REPO_ROOT / ".gitignore").read_text().split()
    constant = re.compile(r"(?i)(secret\w*\s*[:=][^=\n]*|STORAGE_SECRET['\"]\s*,\s*)['\"][^'\"\n]{4,}['\"]")
    code = [
        REPO_ROOT / "main.py",
        *[path for top in ("app", "components", "models") for path in (REPO_ROOT / top).rglob("*.py")],
    ]
    assert [f"{path}: {line}" for path in code for line in path.read_text().splitlines() if constant.search(line)] == []


def test_an_empty_storage_secret_file_is_never_used_as_the_key(tmp_path: Path) -> None:
    (tmp_path / ".storage_secret").touch(mode=0o600)  # e.g. a crash, or a second process, between create and write
    try:
        secret = storage_secret(Settings(database_url=sqlite_url(tmp_path / "orderbook.db")))
    except SystemExit as refusal:
        assert ".storage_secret" in str(refusal)  # refusing to start, saying why, is a fine answer
        return
    assert len(secret) >= 32
