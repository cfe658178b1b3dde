"""Who an API key belongs to, for the REST API and the stream alike: a wrong key counted by the wrong-key throttles."""

from app.accounts import throttle
from app.accounts.service import API_KEY_PREFIX, Accounts, Caller
from app.errors import Unauthorized

# The ASGI scope key under which a request made inside the process (the stream's order entry, app/stream/) carries
# the caller its socket authenticated once: no HTTP client can set a scope key, so it never stands in for a key sent.
CALLER_SCOPE_KEY = "orderbook.caller"


async def caller_of_key(accounts: Accounts, key: str, address: str) -> Caller:
    """The trader whose API key `key` is; a wrong one raises Unauthorized (401), or TooManyAttempts (429) past the
    throttles of its address or, for a key of the app's own format, of its prefix (one key guessed from many
    addresses). A valid key is never refused by them, so one bot with a typo does not lock out the others."""
    trader = await accounts.by_api_key(key)
    if trader is not None:
        return trader
    # A key of another format can never be valid: only those of ours are counted by prefix.
    prefix = key[: throttle.KEY_PREFIX_LENGTH] if key.startswith(API_KEY_PREFIX) else None
    await throttle.API_KEY_PER_ADDRESS.check(address)
    if prefix is not None:
        await throttle.API_KEY_PER_PREFIX.check(prefix)
        await throttle.API_KEY_PER_PREFIX.fail(prefix)
    await throttle.API_KEY_PER_ADDRESS.fail(address)
    raise Unauthorized("invalid API key")
