"""The one place that reads configuration: environment variables, then command-line flags over them."""

import argparse
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

TRUE_WORDS = {"1", "true", "yes", "on"}
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Typed settings handed down to the app."""

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite:///orderbook.db"
    storage_secret: str | None = None
    demo: bool = False
    transports: tuple[str, ...] = ("websocket", "polling")
    reconnect_timeout: float = 15.0
    max_resting_orders: int = 1000  # per trader and market

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


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, overridden by command-line flags."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="main.py", description="Live Orderbook: a real-time trading orderbook.")
    parser.add_argument("--host", default=env.get("HOST", defaults.host), help="address to listen on (HOST)")
    parser.add_argument("--port", type=int, default=int(env.get("PORT", defaults.port)), help="port (PORT)")
    parser.add_argument(
        "--database-url",
        default=env.get("DATABASE_URL", defaults.database_url),
        help="SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://user@host/db (DATABASE_URL)",
    )
    parser.add_argument(
        "--storage-secret",
        default=env.get("STORAGE_SECRET"),
        help="secret that signs the session cookie; generated once into a file when unset (STORAGE_SECRET)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=env.get("ORDERBOOK_DEMO", "").lower() in TRUE_WORDS,
        help="run a market simulator so the books are live (ORDERBOOK_DEMO=1)",
    )
    parser.add_argument(
        "--transports",
        default=env.get("ORDERBOOK_TRANSPORTS", ",".join(defaults.transports)),
        help="socket.io transports the browser may use, in order: websocket,polling (ORDERBOOK_TRANSPORTS)",
    )
    parser.add_argument(
        "--max-resting-orders",
        type=int,
        default=int(env.get("ORDERBOOK_MAX_RESTING_ORDERS", defaults.max_resting_orders)),
        help="most resting orders a trader may have in one market (ORDERBOOK_MAX_RESTING_ORDERS)",
    )
    args = parser.parse_args(argv)
    if args.max_resting_orders < 1:
        parser.error("--max-resting-orders must be at least 1")
    transports = tuple(t.strip() for t in args.transports.split(",") if t.strip())
    unknown = set(transports) - {"websocket", "polling"}
    if not transports or unknown:
        parser.error(f"--transports: expected websocket and/or polling, got {args.transports!r}")
    return Settings(
        host=args.host,
        port=args.port,
        database_url=args.database_url,
        storage_secret=args.storage_secret,
        demo=args.demo,
        transports=transports,
        max_resting_orders=args.max_resting_orders,
    )


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
