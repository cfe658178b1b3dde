"""Fuzzing the REST API with Schemathesis against a real server: no 5xx, answers as documented, refusals keep nothing.

Schemathesis reads the live server's `/openapi.json` and sends, for every operation, the schema's examples, boundary
values (its coverage phase) and generated requests, both valid and schema-breaking ones, then runs all its checks on
each answer: not a server error, status code, content type, headers and body as documented, valid data accepted and
invalid data refused, authentication enforced, `Allow` on a 405. Here, on top: a refused request (4xx) leaves the
database as it was.

The order and balance routes are called as a registered fuzz trader, funded at registration
(ORDERBOOK_STARTING_BALANCES) so that its orders get past the funds check and trade. Every request comes from its own
`X-Forwarded-For` address (uvicorn trusts the header from 127.0.0.1), so the per-address throttle of wrong API keys (20
a minute) never stands between the fuzzer and the 401 it is testing; the 429 it would answer is documented all the
same.
"""

import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from schemathesis import BaseSchema, Case

from tests.servers import ServerProcess, register_trader, serving, unique_username

# The contract does not depend on the database: SQLite is enough, and its file can be read directly.
pytestmark = [
    pytest.mark.process,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module"),
]

MIN_REQUESTS = 1000
# Plenty, but not unlimited: the fuzzer's biggest orders are still refused for funds, with a 422 naming the quantity.
FUNDED = {"ORDERBOOK_STARTING_BALANCES": "USD=1000000,BTC=1000,ETH=1000"}

CONFIG = {
    "seed": 20_260_101,
    "generation": {
        "mode": "all",  # valid requests, and requests that break the schema on purpose
        "max-examples": 120,  # per operation and mode: ~1,200 requests in all
        "deterministic": True,  # the same requests on every run, so CI is reproducible
        "database": "none",  # no example database: nothing from an earlier run changes this one
    },
    # Sequences of calls (the stateful phase) are not run: Schemathesis's pytest integration tests one call at a time.
    "phases": {"stateful": {"enabled": False}},
    "operations": [
        {
            # Registration hashes a password with argon2, slow on purpose; fewer examples keep the module fast.
            "include-path": "/api/traders",
            "include-method": "POST",
            "generation": {"max-examples": 15},
        },
        {
            # The market's rules cannot be written in JSON Schema: a symbol must name a live market, a price and a
            # quantity must be on its tick and lot, price x quantity at least its minimum notional, and a reduction
            # below the current quantity. A schema-valid request may break them and get a 422 naming the field.
            "include-path-regex": "^/api/(orders|balances)",
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "404", "409", "422"]}},
        },
        {
            # The history: a cursor must be one the list handed out, a symbol or an asset a live one, `until` after
            # `since`; reads only, each checked by tests/test_history.py, so fewer examples.
            "include-path-regex": "^/api/(fills|ledger)",
            "generation": {"max-examples": 30},
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "422"]}},
        },
    ],
}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The module's server, crediting every new trader (the fuzz trader) with starting balances."""
    log = tmp_path_factory.mktemp("log") / "server.log"
    with serving(ServerProcess(database_url, log, environment=FUNDED).start()) as process:
        yield process


@dataclass
class FuzzRun:
    """What the fuzz run knows: the fuzz trader's current key, every key it was given, the answers it received."""

    api_key: str
    issued_keys: set[str]
    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)  # (method, path, status) -> requests
    addresses: Iterator[str] = field(
        default_factory=lambda: (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))
    )

    def rotated(self, api_key: str) -> None:
        self.api_key = api_key
        self.issued_keys.add(api_key)


@pytest.fixture
def fuzz_run(server: ServerProcess) -> Iterator[FuzzRun]:
    """A new fuzz trader for one fuzz run; once every operation is fuzzed, checks that the run was a real one.

    Schemathesis runs every operation as a subtest of one test item, so this fixture spans the whole run: without
    these checks, a run that sent a handful of requests or got 401 for every order would pass all the same.
    """
    fuzz_trader = register_trader(server.base_url, unique_username("fuzz"))
    fuzz_trader.client.close()
    run = FuzzRun(api_key=fuzz_trader.api_key, issued_keys={fuzz_trader.api_key})
    yield run
    answers = sorted(run.answers.items())
    assert run.answers.total() >= MIN_REQUESTS, answers
    assert run.answers["POST", "/api/orders", 201] > 0, answers  # the fuzz trader's orders got past authentication
    assert run.answers["GET", "/api/balances", 200] > 0, answers
    current_key = {"Authorization": f"Bearer {run.api_key}"}
    assert httpx.get(f"{server.base_url}/api/orders", headers=current_key).status_code == 200  # rotations tracked


@pytest.fixture(scope="module")
def database_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


@pytest.fixture
def api_schema(server: ServerProcess, fuzz_run: FuzzRun) -> BaseSchema:
    """The server's own OpenAPI schema, with the fuzz trader's key on the routes that need one."""
    loaded = schemathesis.openapi.from_url(
        f"{server.base_url}/openapi.json", config=schemathesis.Config.from_dict(CONFIG)
    )

    @loaded.auth(refresh_interval=None).apply_to(path_regex="^/api/(orders|balances|fills|ledger|traders/me/)")
    class FuzzTraderKey:
        def get(self, case: Case, context: Any) -> str:
            return fuzz_run.api_key

        def set(self, case: Case, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return loaded


@pytest.fixture
def session(fuzz_run: FuzzRun) -> Iterator[requests.Session]:
    """The HTTP session of every request, the checks' own included: it counts the answers."""
    with requests.Session() as counting:

        def count(response: requests.Response, *_: Any, **__: Any) -> None:
            path = str(response.request.path_url).split("?")[0]
            fuzz_run.answers[(str(response.request.method), path, response.status_code)] += 1

        counting.hooks["response"].append(count)
        yield counting


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # Unavoidable for now: the server comes from a fixture, so the schema can only be loaded through
    # `schemathesis.pytest.from_fixture`, whose runner (4.32, `pytest/lazy.py`) reads and rewrites the private
    # `request.node._nodeid` to name each operation's subtest. pytest 9.2 keeps the id elsewhere (`Node._id`), so
    # without this line the test stops with AttributeError before sending a request.
    request.node._nodeid = request.node.nodeid


def stored_state(database_path: Path) -> list[list[tuple]]:
    """Traders and their key hashes, orders and their last change, trades, each market's sequence and fees, balances."""
    with sqlite3.connect(f"file:{database_path}?mode=ro", uri=True) as connection:
        return [
            connection.execute(query).fetchall()
            for query in [
                "SELECT count(*), group_concat(api_key_hash) FROM (SELECT api_key_hash FROM traders ORDER BY id)",
                "SELECT count(*), max(updated_at) FROM orders",
                "SELECT count(*) FROM trades",
                "SELECT symbol, sequence, fees_collected FROM markets ORDER BY id",
                "SELECT trader_id, asset, available, held FROM balances ORDER BY trader_id, asset",
                "SELECT count(*), group_concat(amount) FROM (SELECT amount FROM ledger_entries ORDER BY id)",
            ]
        ]


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_answer_is_documented_and_a_refusal_changes_nothing(
    case: Case, session: requests.Session, fuzz_run: FuzzRun, database_path: Path
) -> None:
    headers = {"X-Forwarded-For": next(fuzz_run.addresses)}
    sent_key = (case.headers or {}).get("Authorization", "").removeprefix("Bearer ")
    if sent_key in fuzz_run.issued_keys:  # boundary cases are built up front, before the key rotation ran
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzz_run.api_key}"}
    before = stored_state(database_path)
    response = case.call(session=session, headers=headers)
    if 400 <= response.status_code < 500:
        assert stored_state(database_path) == before, f"{case.method} {case.formatted_path}: {response.status_code}"
    if case.operation.path == "/api/traders/me/api-key" and response.status_code == 200:
        fuzz_run.rotated(response.json()["api_key"])  # the old key no longer works
    case.validate_response(response, headers=headers, transport_kwargs={"session": session, "headers": headers})
