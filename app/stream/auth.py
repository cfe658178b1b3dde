"""The stream's `auth` op's check: the API key refused as the REST API refuses it, by the same code and throttles."""

from typing import Any

from app.accounts.api_keys import caller_of_key
from app.accounts.service import Accounts, Caller
from app.errors import Unauthorized


async def authenticate(accounts: Accounts, key: Any, address: str) -> Caller:
    """The trader whose API key `key` is, for a socket from `address`; a wrong key raises what REST would answer:
    Unauthorized (401), or TooManyAttempts (429) past the wrong-key throttles of the address and the key's prefix."""
    if not isinstance(key, str) or not key:
        raise Unauthorized('missing API key: send {"op": "auth", "key": "<api_key>"}')
    return await caller_of_key(accounts, key, address)
