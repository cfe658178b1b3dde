#!/usr/bin/env bash
# Installs everything the test suite needs on a Debian machine, then runs it: lint, format, types, layers, the whole pytest suite.
# Idempotent: installs only what is missing and starts PostgreSQL only when it is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)  # tests/test_nginx.py
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)  # tests/cluster/
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # shared sessions and throttles
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PostgreSQL: start the cluster when it is stopped (no systemd in containers), and make sure the tests can log in.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
export TEST_POSTGRES_ADMIN_URL="${TEST_POSTGRES_ADMIN_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}"
if ! psql "$TEST_POSTGRES_ADMIN_URL" -qtAc 'select 1' >/dev/null 2>&1; then
  # A fresh install only trusts local socket peers: give the postgres role the password the tests use.
  $SUDO runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'"
fi

# Redis: start one without persistence when 127.0.0.1:6379 does not answer (tests use their own key prefixes).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
# The locked versions, each checked against its hash (requirements-dev.lock: pip-compile of requirements-dev.txt).
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # the files and options are in pyproject.toml
.venv/bin/lint-imports  # the layers and what each may not import: .importlinter

export SE_OFFLINE=true
export ORDERBOOK_TEST_EXAMPLES=full  # every property test with all its examples (plain pytest tries a quarter: tests/examples.py)
# Every test, whatever its marks (plain `pytest` runs the fast tier only: pyproject.toml). Exit code 5 means that
# pytest collected no tests: that is a failure here.
run_pytest() {
  set +e
  .venv/bin/python -m pytest -m "${MARKS:-}" "$@"
  local status=$?
  set -e
  if [ $status -eq 5 ]; then
    echo "pytest collected no tests: that is a failure" >&2
    return 1
  fi
  return $status
}

if [ $# -gt 0 ]; then
  run_pytest -n 0 "$@"  # what the caller asked for, every mark included, in one process (`-n 3` to spread it)
  exit $?
fi
# Most tests wait on processes, browsers and databases rather than compute: several at once, a file per worker (a
# file shares its servers). The tests marked `alone` measure a server's memory or cut a page's network: after that,
# with nothing beside them.
WORKERS="${TEST_WORKERS:-3}"
MARKS="not alone" run_pytest -n "$WORKERS" --dist loadfile || status=$?
MARKS="alone" run_pytest -n 0 || status=$?
exit "${status:-0}"
