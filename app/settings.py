"""The one place that reads configuration: environment variables, then command-line flags over them."""

import argparse
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, NoReturn

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources import InitSettingsSource
from sqlalchemy.engine import make_url

from app.store.db import LOCK_TIMEOUT

MIN_SECRET_LENGTH = 32
MAX_CREDIT = Decimal(10) ** 15  # well inside the money columns' 20 integer digits
LOCAL_HOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"


class Option(NamedTuple):
    """A setting's environment variable and flag, as in the README's Settings table."""

    variable: str
    flag: str
    help: str = ""  # none: the Settings field's description


OPTIONS = {
    "host": Option(
        variable="HOST",
        flag="--host",
        help="address to listen on; 0.0.0.0 when PORT is set in the environment and HOST not",
    ),
    "port": Option(variable="PORT", flag="--port", help="port"),
    "database_url": Option(
        variable="DATABASE_URL", flag="--database-url", help="sqlite:///file.db or postgresql+psycopg://user@host/db"
    ),
    "storage_secret": Option(
        variable="STORAGE_SECRET", flag="--storage-secret", help="signs the session cookie; else generated in a file"
    ),
    "demo": Option(
        variable="ORDERBOOK_DEMO", flag="--demo", help="run a market simulator so the books are live (ORDERBOOK_DEMO=1)"
    ),
    "transports": Option(
        variable="ORDERBOOK_TRANSPORTS",
        flag="--transports",
        help="socket.io transports for the browser: websocket,polling",
    ),
    "max_resting_orders": Option(
        variable="ORDERBOOK_MAX_RESTING_ORDERS", flag="--max-resting-orders", help="most resting orders per market"
    ),
    "redis_url": Option(
        variable="ORDERBOOK_REDIS_URL",
        flag="--redis-url",
        help="redis://host:6379/0 shares sign-ins and throttles between instances (else NICEGUI_REDIS_URL; else none)",
    ),
    "redis_prefix": Option(
        variable="ORDERBOOK_REDIS_PREFIX", flag="--redis-prefix", help="prefix of this app's Redis keys"
    ),
    "journal_keep": Option(
        variable="ORDERBOOK_JOURNAL_KEEP",
        flag="--journal-keep",
        help="change journal rows kept per market; an instance further behind reloads the book",
    ),
    "poll_interval": Option(
        variable="ORDERBOOK_POLL_INTERVAL",
        flag="--poll-interval",
        help="seconds between the safety polls of the stored sequences (changes are pushed before that)",
    ),
    "starting_balances": Option(
        variable="ORDERBOOK_STARTING_BALANCES",
        flag="--starting-balances",
        help="credit each new trader, e.g. USD=10000,BTC=1 (a testnet; off by default)",
    ),
    # Without a help of their own: the field's description says it.
    "reconnect_timeout": Option(variable="ORDERBOOK_RECONNECT_TIMEOUT", flag="--reconnect-timeout"),
    "memory_check_interval": Option(variable="ORDERBOOK_MEMORY_CHECK_INTERVAL", flag="--memory-check-interval"),
    "tab_storage_age": Option(variable="ORDERBOOK_TAB_STORAGE_AGE", flag="--tab-storage-age"),
    "lock_timeout": Option(variable="ORDERBOOK_LOCK_TIMEOUT", flag="--lock-timeout"),
}
# Read when ORDERBOOK_REDIS_URL is not set: NiceGUI's own name for its Redis storage.
NICEGUI_REDIS_URL = "NICEGUI_REDIS_URL"


class Settings(BaseSettings):
    """Typed settings handed down to the app, read from the environment (and flags, through load_settings)."""

    model_config = SettingsConfigDict(frozen=True, validate_by_name=True, case_sensitive=True, env_ignore_empty=True)

    host: str = Field(LOCAL_HOST, validation_alias="HOST", min_length=1)
    port: int = Field(8080, validation_alias="PORT", ge=1, le=65535)
    database_url: str = Field("sqlite:///orderbook.db", validation_alias="DATABASE_URL", min_length=1)
    storage_secret: str | None = Field(None, validation_alias="STORAGE_SECRET")
    demo: bool = Field(False, validation_alias="ORDERBOOK_DEMO")
    transports: Annotated[tuple[Literal["websocket", "polling"], ...], NoDecode] = Field(
        ("websocket", "polling"), validation_alias="ORDERBOOK_TRANSPORTS", min_length=1
    )
    max_resting_orders: int = Field(1000, validation_alias="ORDERBOOK_MAX_RESTING_ORDERS", ge=1)  # per trader, market
    redis_url: str | None = Field(None, validation_alias="ORDERBOOK_REDIS_URL", pattern=r"^(redis|rediss|unix)://")
    redis_prefix: str = Field("orderbook:", validation_alias="ORDERBOOK_REDIS_PREFIX", min_length=1)
    journal_keep: int = Field(20000, validation_alias="ORDERBOOK_JOURNAL_KEEP", ge=1)
    poll_interval: float = Field(1.0, validation_alias="ORDERBOOK_POLL_INTERVAL", gt=0)
    starting_balances: Annotated[tuple[tuple[str, Decimal], ...], NoDecode] = Field(
        (), validation_alias="ORDERBOOK_STARTING_BALANCES"
    )
    # How long pages and their memory are kept, and locks waited for: the defaults are what a deployment wants; tests
    # set short ones so that they wait for a page's release, a memory check or a lock seconds rather than minutes.
    reconnect_timeout: float = Field(
        15.0,
        validation_alias="ORDERBOOK_RECONNECT_TIMEOUT",
        gt=0,
        description="seconds a page is kept for its browser to reconnect: long enough for a network cut to end "
        "without a reload",
    )
    memory_check_interval: float = Field(
        10.0,
        validation_alias="ORDERBOOK_MEMORY_CHECK_INTERVAL",
        gt=0,
        description="seconds between the checks that collect and trim the memory of deleted pages",
    )
    tab_storage_age: float = Field(
        30.0,
        validation_alias="ORDERBOOK_TAB_STORAGE_AGE",
        gt=0,
        description="seconds NiceGUI keeps a tab's storage after the tab came (the app writes none)",
    )
    lock_timeout: float = Field(
        LOCK_TIMEOUT,
        validation_alias="ORDERBOOK_LOCK_TIMEOUT",
        gt=0,
        description="seconds a batch waits for a database lock another connection holds before it fails with a 503",
    )

    @field_validator("starting_balances", mode="before")
    @classmethod
    def _asset_amounts(cls, value: Any) -> Any:
        """ASSET=AMOUNT,...: each asset once, each amount a positive decimal."""
        if not isinstance(value, str):
            return value
        credits: dict[str, Decimal] = {}
        for part in (part.strip() for part in value.split(",")):
            if not part:
                continue
            asset, equals, amount = part.partition("=")
            asset = asset.strip()
            try:
                credit = Decimal(amount.strip())
            except InvalidOperation:
                credit = Decimal("NaN")
            if not equals or not re.fullmatch(r"[A-Z0-9]{1,16}", asset) or asset in credits:
                raise ValueError(f"{part!r} is not ASSET=AMOUNT with a new asset name (like USD=10000)")
            if not credit.is_finite() or credit <= 0 or credit > MAX_CREDIT:
                raise ValueError(f"{part!r}: the amount must be a number above 0 and at most {MAX_CREDIT}")
            credits[asset] = credit
        return tuple(credits.items())

    @field_validator("transports", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Values given in code (the flags) over the documented variables; no .env or secrets files.
        return init_settings, Environment(settings_cls)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def data_dir(self) -> Path:
        """Where files that belong beside the database live: the SQLite file's folder, else the working folder."""
        if self.is_sqlite:
            database = make_url(self.database_url).database
            if database and database != ":memory:":
                return Path(database).resolve().parent
        return Path.cwd()


class Environment(PydanticBaseSettingsSource):
    """The documented environment variables only (of os.environ or a given mapping), with the PaaS rule for HOST."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None) -> None:
        super().__init__(settings_cls)
        self.environ = os.environ if environ is None else environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        option = OPTIONS.get(field_name)
        value = self.environ.get(option.variable) if option else None
        return value or None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {
            option.variable: self.environ[option.variable]
            for option in OPTIONS.values()
            if self.environ.get(option.variable)  # an empty variable counts as unset
        }
        if "ORDERBOOK_REDIS_URL" not in found and self.environ.get(NICEGUI_REDIS_URL):
            found["ORDERBOOK_REDIS_URL"] = self.environ[NICEGUI_REDIS_URL]
        if "PORT" in found and "HOST" not in found:
            # A platform that sets PORT expects the app to answer on it from outside the container.
            found["HOST"] = ALL_INTERFACES
        return found


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Live Orderbook: a real-time trading orderbook. Each flag overrides its environment variable.",
        argument_default=argparse.SUPPRESS,  # only the flags given reach Settings, over the environment
    )
    for field, option in OPTIONS.items():
        if field == "demo":
            parser.add_argument(option.flag, dest=field, action="store_const", const=True, help=option.help)
        else:
            described = option.help or Settings.model_fields[field].description
            parser.add_argument(option.flag, dest=field, metavar=field.upper(), help=f"{described} ({option.variable})")
    return parser


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, overridden by command-line flags; a bad value exits naming where it came from."""
    parser = _parser()
    flags: dict[str, Any] = vars(parser.parse_args(argv))
    try:
        # `_build_sources` is BaseSettings' documented way to give one instance its own sources: here the mapping.
        sources = (InitSettingsSource(Settings, flags), Environment(Settings, environ))
        return Settings(_build_sources=(sources, flags))  # type: ignore[call-arg]  # mypy knows no runtime parameters
    except ValidationError as invalid:
        _refuse(parser, invalid, given_as_flags=set(flags))


def _refuse(parser: argparse.ArgumentParser, invalid: ValidationError, given_as_flags: set[str]) -> NoReturn:
    by_variable = {option.variable: field for field, option in OPTIONS.items()}
    problems: dict[str, str] = {}
    for error in invalid.errors():
        field = by_variable.get(str(error["loc"][0]), str(error["loc"][0]))
        option = OPTIONS.get(field, Option(field, field, ""))
        where = option.flag if field in given_as_flags else option.variable
        problems.setdefault(where, f"{where}: {error['msg']} (got {error['input']!r})")  # the first says it best
    parser.error("; ".join(problems.values()))


def storage_secret(settings: Settings) -> str:
    """The session-cookie secret: the configured one, else one generated once and kept in a mode-600 file."""
    if settings.storage_secret:
        return settings.storage_secret
    path = settings.data_dir / ".storage_secret"
    if not path.exists():
        # Written in full to a private temporary file, then linked into place: a process starting at the same time
        # sees either no file or the whole secret, never an empty one.
        temporary = path.with_name(f".storage_secret.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won: use its secret
        finally:
            temporary.unlink()
    secret = path.read_text().strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise SystemExit(
            f"{path} holds no usable secret (under {MIN_SECRET_LENGTH} characters): delete it or set STORAGE_SECRET"
        )
    return secret
