"""Trader accounts: registration with an argon2-hashed password, API keys kept only as SHA-256 hashes."""

import asyncio
import functools
import hashlib
import secrets
from collections.abc import Sequence
from decimal import Decimal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.accounts.funding import balance_available, move_money, open_accounts
from app.accounts.key_lookups import Caller, KeyLookups
from app.errors import Conflict
from app.store.db import Database
from models import Trader, TraderCreate, TraderCreated

API_KEY_PREFIX = "lob_"
DEFAULT_HASHER = PasswordHasher()  # argon2-cffi's default cost; a server hashes at the cost its settings give


def hash_api_key(api_key: str) -> str:
    # API keys are 256 random bits: a fast hash is enough, and it lets every request be checked cheaply.
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def register(
    *,
    session: Session,
    trader_in: TraderCreate,
    starting_balances: Sequence[tuple[str, Decimal]] = (),
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> TraderCreated:
    """Create a trader with its balances (credited `starting_balances`); the API key is returned here once only."""
    api_key = new_api_key()
    trader = Trader(
        username=trader_in.username,
        password_hash=hasher.hash(trader_in.password),
        api_key_hash=hash_api_key(api_key),
    )
    session.add(trader)
    try:
        session.flush()  # the caller's transaction commits; a taken name fails here, before anything is kept
    except IntegrityError as error:
        raise Conflict(f"username {trader_in.username!r} is already taken") from error
    assert trader.id is not None
    open_accounts(session, trader.id, starting_balances)
    return TraderCreated(id=trader.id, username=trader.username, api_key=api_key)


def rotate_api_key(*, session: Session, trader_id: int) -> str:
    """A new API key for the trader; the old one stops working when this commits."""
    api_key = new_api_key()
    trader = session.get(Trader, trader_id)
    if trader is None:
        raise Conflict("the trader no longer exists")
    trader.api_key_hash = hash_api_key(api_key)
    session.add(trader)
    return api_key


# Every API request runs this (for all the keys that arrived together): a plain statement, compiled once, no ORM.
_CALLERS_BY_KEY_HASH = text(
    "SELECT id, username, api_key_hash FROM traders WHERE api_key_hash IN :key_hashes"
).bindparams(bindparam("key_hashes", expanding=True))


def callers_by_key_hash(*, connection: Connection, key_hashes: list[str]) -> dict[str, Caller]:
    """The traders whose API key has one of these hashes, by hash (a hash no trader has is not in it)."""
    rows = connection.execute(_CALLERS_BY_KEY_HASH, {"key_hashes": key_hashes})
    return {row.api_key_hash: Caller(id=row.id, username=row.username) for row in rows}


def trader_by_password(
    *, session: Session, username: str, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> Trader | None:
    """The trader if the password is right; the same slow hash runs for unknown users, so timing says nothing."""
    trader = session.exec(select(Trader).where(Trader.username == username)).first()
    try:
        hasher.verify(trader.password_hash if trader else _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return None
    return trader


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of no one's password, as costly to check as a trader's: made at the first unknown name, not at import."""
    return hasher.hash(secrets.token_urlsafe(16))


class Accounts:
    """Async account operations for routes and pages: each runs in a worker thread (argon2 is slow on purpose)."""

    def __init__(
        self,
        database: Database,
        *,
        starting_balances: Sequence[tuple[str, Decimal]] = (),
        hasher: PasswordHasher = DEFAULT_HASHER,
    ) -> None:
        self.database = database
        self.starting_balances = tuple(starting_balances)  # credited to each new trader (a testnet's faucet)
        self.key_lookups = KeyLookups(self._callers_by_key_hash)
        self.hasher = hasher

    async def register(self, trader_in: TraderCreate) -> TraderCreated:
        def work() -> TraderCreated:
            with self.database.write() as session:
                return register(
                    session=session, trader_in=trader_in, starting_balances=self.starting_balances, hasher=self.hasher
                )

        return await asyncio.to_thread(work)

    async def top_up(self, trader_id: int, funds: Sequence[tuple[str, Decimal]]) -> None:
        """Deposit what the trader lacks of each amount (the demo's traders, which trade their money away)."""

        def work() -> None:
            with self.database.write() as session:
                for asset, amount in funds:
                    available = balance_available(session, trader_id=trader_id, asset=asset)
                    if available < amount:
                        move_money(session, trader_id=trader_id, asset=asset, amount=amount - available)

        await asyncio.to_thread(work)

    async def sign_in(self, username: str, password: str) -> Trader | None:
        def work() -> Trader | None:
            with self.database.read() as session:
                return trader_by_password(session=session, username=username, password=password, hasher=self.hasher)

        return await asyncio.to_thread(work)

    async def rotate_api_key(self, trader_id: int) -> str:
        def work() -> str:
            with self.database.write() as session:
                return rotate_api_key(session=session, trader_id=trader_id)

        return await asyncio.to_thread(work)

    async def by_username(self, username: str) -> Trader | None:
        def work() -> Trader | None:
            with self.database.read() as session:
                return session.exec(select(Trader).where(Trader.username == username)).first()

        return await asyncio.to_thread(work)

    async def by_api_key(self, api_key: str) -> Caller | None:
        """The key's trader, read from the database after this call (no cache): the keys asked for together, at once."""
        return await self.key_lookups.caller(hash_api_key(api_key))

    def _callers_by_key_hash(self, key_hashes: list[str]) -> dict[str, Caller]:
        # A plain connection, not an ORM session: this runs for every API request.
        with self.database.reader.connect() as connection:
            return callers_by_key_hash(connection=connection, key_hashes=key_hashes)
