"""The one place that reads configuration: environment variables, then command-line flags over them."""

import os
import re
import secrets
from argparse import Action, ArgumentParser
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, NoReturn

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, CliSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url

MIN_SECRET_LENGTH = 32
MAX_CREDIT = Decimal(10) ** 15  # well inside the money columns' 20 integer digits
LOCAL_HOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"


# Read when ORDERBOOK_REDIS_URL is not set: NiceGUI's own name for its Redis storage.
NICEGUI_REDIS_URL = "NICEGUI_REDIS_URL"
# Where a `--reload` watcher hands its settings to the server processes it starts (app/server.py, serve_reloading).
HANDED_OVER = "ORDERBOOK_HANDED_OVER_SETTINGS"


# Each setting is a field, declared once: its `validation_alias` is its environment variable, its name in kebab case
# its flag (`max_resting_orders`: `--max-resting-orders`), its description the flag's help. The class's docstring is
# the description `python main.py --help` starts with.
class Settings(BaseSettings):
    """Live Orderbook, a real-time trading orderbook: each flag overrides its environment variable."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        env_ignore_empty=True,
        # Values reach the model by field name, from the flags and from Environment below alike: the aliases name the
        # variables and would otherwise also name the flags (`--HOST`).
        validate_by_name=True,
        validate_by_alias=False,
        cli_prog_name="main.py",
        cli_kebab_case=True,
        cli_implicit_flags="toggle",  # a switch that is off by default is turned on by its bare flag: `--demo`
        cli_avoid_json=True,
    )

    host: str = Field(
        LOCAL_HOST,
        validation_alias="HOST",
        min_length=1,
        description="address to listen on; 0.0.0.0 when PORT is set in the environment and HOST not",
    )
    port: int = Field(8080, validation_alias="PORT", ge=1, le=65535, description="port")
    database_url: str = Field(
        "sqlite:///orderbook.db",
        validation_alias="DATABASE_URL",
        min_length=1,
        description="sqlite:///file.db or postgresql+psycopg://user@host/db",
    )
    storage_secret: str | None = Field(
        None, validation_alias="STORAGE_SECRET", description="signs the session cookie; else generated in a file"
    )
    # argon2id's cost for each password hashed and checked: the defaults are argon2-cffi's own (RFC 9106's low-memory
    # choice); tests lower them so that the hundreds of traders they register do not spend minutes hashing.
    password_hash_time_cost: int = Field(
        3, validation_alias="ORDERBOOK_PASSWORD_HASH_TIME_COST", ge=1, description="argon2 passes over the memory"
    )
    password_hash_memory_kib: int = Field(
        65536,
        validation_alias="ORDERBOOK_PASSWORD_HASH_MEMORY_KIB",
        ge=32,
        description="argon2 memory per password hashed or checked, in KiB",
    )
    demo: bool = Field(
        False,
        validation_alias="ORDERBOOK_DEMO",
        description="run a market simulator so the books are live",
    )
    transports: Annotated[tuple[Literal["websocket", "polling"], ...], NoDecode] = Field(
        ("websocket", "polling"),
        validation_alias="ORDERBOOK_TRANSPORTS",
        min_length=1,
        description="socket.io transports for the browser: websocket,polling",
    )
    max_resting_orders: int = Field(
        1000, validation_alias="ORDERBOOK_MAX_RESTING_ORDERS", ge=1, description="most resting orders per market"
    )
    redis_url: str | None = Field(
        None,
        validation_alias="ORDERBOOK_REDIS_URL",
        pattern=r"^(redis|rediss|unix)://",
        description="redis://host:6379/0 shares sign-ins and throttles between instances "
        "(else NICEGUI_REDIS_URL; else none)",
    )
    redis_prefix: str = Field(
        "orderbook:",
        validation_alias="ORDERBOOK_REDIS_PREFIX",
        min_length=1,
        description="prefix of this app's Redis keys",
    )
    journal_keep: int = Field(
        20000,
        validation_alias="ORDERBOOK_JOURNAL_KEEP",
        ge=1,
        description="change journal rows kept per market; an instance further behind reloads the book",
    )
    poll_interval: float = Field(
        1.0,
        validation_alias="ORDERBOOK_POLL_INTERVAL",
        gt=0,
        description="seconds between the safety polls of the stored sequences (changes are pushed before that)",
    )
    stream_frame_rate: float = Field(
        1000.0,
        validation_alias="ORDERBOOK_STREAM_FRAME_RATE",
        gt=0,
        description="frames a second a streaming client may send, on average (over it: closed with 1008)",
    )
    stream_frame_burst: int = Field(
        2000,
        validation_alias="ORDERBOOK_STREAM_FRAME_BURST",
        ge=1,
        description="frames a streaming client may send at once, e.g. pipelined orders",
    )
    ws_ping_interval: float = Field(
        20.0,
        validation_alias="ORDERBOOK_WS_PING_INTERVAL",
        gt=0,
        le=20,
        description="seconds between the server's protocol pings on every websocket; one unanswered as long closes it",
    )
    starting_balances: Annotated[tuple[tuple[str, Decimal], ...], NoDecode] = Field(
        (),
        validation_alias="ORDERBOOK_STARTING_BALANCES",
        description="credit each new trader, e.g. USD=10000,BTC=1 (a testnet; off by default)",
    )
    reload: bool = Field(
        False,
        validation_alias="ORDERBOOK_RELOAD",
        description="restart the server when a file of app/, components/ or models/ changes (development)",
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
        5.0,  # also the store's default for connections made without settings (migrations, commands)
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


class Option(NamedTuple):
    """A setting's environment variable, flag and help, as in docs/operations.md#settings."""

    variable: str
    flag: str
    help: str


# Read off the fields: every field with an environment variable is an option.
OPTIONS = {
    name: Option(field.validation_alias, f"--{name.replace('_', '-')}", field.description or "")
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, str)
}


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
            field: self.environ[option.variable]
            for field, option in OPTIONS.items()
            if self.environ.get(option.variable)  # an empty variable counts as unset
        }
        if "redis_url" not in found and self.environ.get(NICEGUI_REDIS_URL):
            found["redis_url"] = self.environ[NICEGUI_REDIS_URL]
        if "port" in found and "host" not in found:
            # A platform that sets PORT expects the app to answer on it from outside the container.
            found["host"] = ALL_INTERFACES
        return found


def _add_flag(parser: ArgumentParser, *names: str, **options: Any) -> Action:
    """pydantic-settings' way to add a flag, its help naming the variable it overrides and its value named after it."""
    if option := OPTIONS.get(options.get("dest", "")):
        options["help"] = f"{options['help']} [env: {option.variable}]"
        if "metavar" in options:
            options["metavar"] = options["dest"].upper()
    return parser.add_argument(*names, **options)


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, overridden by command-line flags; a bad value exits naming where it came from."""
    flags = CliSettingsSource[ArgumentParser](
        Settings, cli_parse_args=True if argv is None else list(argv), add_argument_method=_add_flag
    )
    try:
        # `_build_sources` is BaseSettings' documented way to give one instance its own sources: here the mapping.
        sources = (flags, Environment(Settings, environ))
        return Settings(_build_sources=(sources, {}))  # type: ignore[call-arg]  # mypy knows no runtime parameters
    except ValidationError as invalid:
        _refuse(flags.root_parser, invalid, given_as_flags=set(flags()))


def hand_over(settings: Settings) -> dict[str, str]:
    """The environment entry that gives these settings to the server processes a `--reload` watcher starts."""
    return {HANDED_OVER: settings.model_dump_json()}


def handed_over(environ: Mapping[str, str] | None = None) -> Settings:
    """In such a server process: the settings its watcher read and checked (the process's own variables aside)."""
    return Settings.model_validate_json((os.environ if environ is None else environ)[HANDED_OVER])


def _refuse(parser: ArgumentParser, invalid: ValidationError, given_as_flags: set[str]) -> NoReturn:
    problems: dict[str, str] = {}
    for error in invalid.errors():
        field = str(error["loc"][0])
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
