"""argon2's cost per password is a setting: argon2's own by default, and a server hashes at the cost it is given."""

from pathlib import Path

from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import create_engine, text

from tests.in_process import serving_in_process
from tests.servers import register_trader, sqlite_url

COSTS = ("ORDERBOOK_PASSWORD_HASH_TIME_COST", "ORDERBOOK_PASSWORD_HASH_MEMORY_KIB")


def stored_hash(url: str, username: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT password_hash FROM traders WHERE username = :name")
            return str(connection.execute(query, {"name": username}).scalar_one())
    finally:
        engine.dispose()


def test_a_server_hashes_passwords_at_the_cost_its_settings_give(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "orderbook.db")
    with serving_in_process(url, dict(zip(COSTS, ("2", "2048"), strict=True))) as server:
        trader = register_trader(server)
        trader.client.close()
    assert stored_hash(url, trader.username).startswith("$argon2id$v=19$m=2048,t=2,p=4$")


def test_without_the_settings_a_password_is_hashed_at_argon2s_own_cost(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "orderbook.db")
    with serving_in_process(url, dict.fromkeys(COSTS, "")) as server:  # empty: unset, whatever the tests' servers use
        trader = register_trader(server)
        trader.client.close()
    low_memory = RFC_9106_LOW_MEMORY
    expected = f"$argon2id$v=19$m={low_memory.memory_cost},t={low_memory.time_cost},p={low_memory.parallelism}$"
    assert stored_hash(url, trader.username).startswith(expected)
