"""Settings: the documented environment variables, flags over them, the PaaS host rule, refusals naming the value."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pydantic
import pytest
from nicegui import app

from app.settings import OPTIONS, Settings, hand_over, handed_over, load_settings
from tests.in_process import serving_in_process
from tests.servers import REPO_ROOT, sqlite_url

ENVIRONMENT = {
    "HOST": "10.0.0.5",
    "PORT": "9001",
    "DATABASE_URL": "postgresql+psycopg://orderbook@db/orderbook",
    "STORAGE_SECRET": "s" * 40,
    "ORDERBOOK_DEMO": "1",
    "ORDERBOOK_TRANSPORTS": "polling",
    "ORDERBOOK_MAX_RESTING_ORDERS": "7",
    "ORDERBOOK_JOURNAL_KEEP": "500",
    "ORDERBOOK_POLL_INTERVAL": "2.5",
    "ORDERBOOK_STARTING_BALANCES": "USD=10000, BTC=0.5",
    "ORDERBOOK_RECONNECT_TIMEOUT": "2.5",
    "ORDERBOOK_MEMORY_CHECK_INTERVAL": "0.5",
    "ORDERBOOK_TAB_STORAGE_AGE": "7",
}


def refusal(capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str]) -> str:
    """The error line `main.py` prints (after its usage) on its way out when it refuses these settings."""
    with pytest.raises(SystemExit) as exited:
        load_settings(argv, environ)
    assert exited.value.code == 2
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said.startswith("main.py: error: "), said
    return said


def test_without_environment_or_flags_the_defaults_hold() -> None:
    settings = load_settings([], {})

    assert (settings.host, settings.port, settings.database_url) == ("127.0.0.1", 8080, "sqlite:///orderbook.db")
    assert (settings.demo, settings.transports, settings.max_resting_orders) == (False, ("websocket", "polling"), 1000)
    assert settings.storage_secret is None
    assert (settings.journal_keep, settings.poll_interval) == (20000, 1.0)
    assert (settings.reconnect_timeout, settings.memory_check_interval, settings.tab_storage_age) == (15.0, 10.0, 30.0)


def test_every_documented_environment_variable_is_read_and_typed() -> None:
    settings = load_settings([], ENVIRONMENT)

    assert (settings.host, settings.port) == ("10.0.0.5", 9001)
    assert settings.database_url == "postgresql+psycopg://orderbook@db/orderbook"
    assert settings.storage_secret == "s" * 40
    assert (settings.demo, settings.transports, settings.max_resting_orders) == (True, ("polling",), 7)
    assert (settings.journal_keep, settings.poll_interval) == (500, 2.5)
    assert settings.starting_balances == (("USD", Decimal(10000)), ("BTC", Decimal("0.5")))
    assert (settings.reconnect_timeout, settings.memory_check_interval, settings.tab_storage_age) == (2.5, 0.5, 7.0)


def test_starting_balances_are_off_by_default_and_bad_ones_are_refused_naming_the_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert load_settings([], {}).starting_balances == ()
    for bad in ("USD", "USD=-1", "USD=lots", "USD=1,USD=2", "usd=1", "USD=Infinity"):
        said = refusal(capsys, [], {"ORDERBOOK_STARTING_BALANCES": bad})
        assert "ORDERBOOK_STARTING_BALANCES" in said, (bad, said)


def test_flags_override_the_environment() -> None:
    flags = ["--host", "::1", "--port", "7000", "--database-url", "sqlite:///other.db", "--storage-secret", "f" * 40]
    flags += ["--transports", "websocket, polling", "--max-resting-orders", "3"]

    settings = load_settings(flags, ENVIRONMENT)

    assert (settings.host, settings.port, settings.database_url) == ("::1", 7000, "sqlite:///other.db")
    assert (settings.storage_secret, settings.transports) == ("f" * 40, ("websocket", "polling"))
    assert settings.max_resting_orders == 3


def test_the_demo_flag_turns_the_simulator_on() -> None:
    assert load_settings(["--demo"], {}).demo is True


def test_port_from_the_environment_without_host_listens_on_all_interfaces() -> None:
    assert load_settings([], {"PORT": "5000"}).host == "0.0.0.0"


def test_a_host_flag_wins_over_the_all_interfaces_rule() -> None:
    assert load_settings(["--host", "127.0.0.1"], {"PORT": "5000"}).host == "127.0.0.1"


def test_a_port_flag_alone_keeps_the_local_host() -> None:
    assert load_settings(["--port", "5000"], {}).host == "127.0.0.1"


def test_variables_that_are_not_documented_are_ignored() -> None:
    assert load_settings([], {"reconnect_timeout": "1", "host": "10.1.1.1"}) == load_settings([], {})


def test_a_max_resting_orders_flag_of_zero_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, ["--max-resting-orders", "0"], {})

    assert "--max-resting-orders" in said and "greater than or equal to 1" in said


def test_an_unknown_transport_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, ["--transports", "bogus"], {})

    assert "--transports" in said and "'websocket' or 'polling'" in said and "bogus" in said


def test_a_poll_interval_of_zero_is_refused_naming_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, [], {"ORDERBOOK_POLL_INTERVAL": "0"})

    assert "ORDERBOOK_POLL_INTERVAL" in said and "greater than 0" in said


def test_a_reconnect_timeout_of_zero_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, ["--reconnect-timeout", "0"], {})

    assert "--reconnect-timeout" in said and "greater than 0" in said


def test_the_ui_keeps_pages_and_tab_storage_as_long_as_the_settings_say(tmp_path: Path) -> None:
    environment = {"ORDERBOOK_RECONNECT_TIMEOUT": "2.5", "ORDERBOOK_TAB_STORAGE_AGE": "7"}
    with serving_in_process(sqlite_url(tmp_path / "orderbook.db"), environment):
        assert (app.config.reconnect_timeout, app.storage.max_tab_storage_age) == (2.5, 7.0)


def test_a_bad_environment_value_is_refused_naming_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, [], {"PORT": "eighty"})

    assert said.startswith("main.py: error: PORT: Input should be a valid integer") and said.endswith("(got 'eighty')")


def test_a_flag_that_is_not_a_setting_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--colour" in refusal(capsys, ["--colour", "red"], {})


def test_settings_cannot_be_changed_once_made() -> None:
    settings = load_settings([], {})

    with pytest.raises(pydantic.ValidationError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.process
def test_help_lists_every_flag_with_its_environment_variable() -> None:
    environment = dict(os.environ)
    shown = subprocess.run(
        [sys.executable, "main.py", "--help"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    for option in OPTIONS.values():
        assert option.flag in shown and option.variable in shown, option


def test_settings_made_in_code_take_the_given_values() -> None:
    assert Settings(database_url="sqlite:///given.db", max_resting_orders=2).max_resting_orders == 2


def test_without_redis_configured_there_is_no_redis_url() -> None:
    assert load_settings([], {}).redis_url is None


def test_the_redis_url_falls_back_to_nicegui_redis_url() -> None:
    assert load_settings([], {"NICEGUI_REDIS_URL": "redis://cache:6379/1"}).redis_url == "redis://cache:6379/1"


def test_orderbook_redis_url_and_its_flag_win_over_nicegui_redis_url() -> None:
    environ = {"NICEGUI_REDIS_URL": "redis://a:6379", "ORDERBOOK_REDIS_URL": "redis://b:6379"}
    assert load_settings([], environ).redis_url == "redis://b:6379"
    assert load_settings(["--redis-url", "redis://c:6379"], environ).redis_url == "redis://c:6379"


def test_a_redis_url_that_is_not_redis_is_refused_naming_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, [], {"ORDERBOOK_REDIS_URL": "http://cache:6379"})

    assert said.startswith("main.py: error: ORDERBOOK_REDIS_URL: String should match pattern")


def test_the_reload_flag_and_its_variable_turn_reloading_on() -> None:
    assert load_settings([], {}).reload is False
    assert load_settings(["--reload"], {}).reload is True
    assert load_settings([], {"ORDERBOOK_RELOAD": "1"}).reload is True


def test_a_reloaded_server_process_gets_the_settings_its_watcher_read_not_its_own_environment() -> None:
    read = load_settings(["--port", "7000", "--transports", "polling", "--reload"], ENVIRONMENT)

    handed = handed_over({"PORT": "1234", "ORDERBOOK_DEMO": "0", **hand_over(read)})

    assert handed == read
    assert handed.starting_balances == (("USD", Decimal(10000)), ("BTC", Decimal("0.5")))  # Decimal, as read
