"""What the routes depend on: the exchange, the database and the calling trader."""

import logging
import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import services
from app.accounts import throttle
from app.accounts.api_keys import CALLER_SCOPE_KEY, caller_of_key
from app.accounts.service import Caller
from app.errors import InvalidInput, ServiceError, Unauthorized, Unavailable
from app.exchange.service import Exchange

log = logging.getLogger("orderbook.api")
WARN_EVERY = 5.0  # s
_last_warning = [float("-inf")]
RETRY_UNAVAILABLE_AFTER = 1  # s: a restarting database or a starting server is back within seconds

_bearer = HTTPBearer(auto_error=False, description="the API key received on registration")


async def get_exchange() -> Exchange:
    return (await services.started()).exchange


async def get_current_trader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if (caller := request.scope.get(CALLER_SCOPE_KEY)) is not None:
        return caller  # a request the stream makes for its socket's trader (app/accounts/api_keys.py)
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        if request.headers.get("authorization"):  # a key sent some other way: say how to send it
            raise Unauthorized("the Authorization header must be 'Bearer <api_key>': the word Bearer, a space, the key")
        raise Unauthorized("missing API key: send 'Authorization: Bearer <api_key>'")
    return await caller_of_key((await services.started()).accounts, credentials.credentials, client_address(request))


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


ExchangeDep = Annotated[Exchange, Depends(get_exchange)]
CurrentTrader = Annotated[Caller, Depends(get_current_trader)]


def error_body(error: ServiceError) -> dict:
    """The JSON body of a service error: validation errors in FastAPI's own shape, naming the field."""
    if isinstance(error, InvalidInput):
        return {"detail": [{"loc": ["body", error.field], "msg": error.reason, "type": "value_error"}]}
    return {"detail": error.message}


async def service_error_handler(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    headers = None
    if isinstance(error, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(error, throttle.TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    elif isinstance(error, Unavailable):
        headers = {"Retry-After": str(RETRY_UNAVAILABLE_AFTER)}
    return JSONResponse(error_body(error), status_code=error.status_code, headers=headers)


async def database_error_handler(_request: Request, error: Exception) -> JSONResponse:
    """A read that could not reach the database (restarting, failed over): 503 to retry, never a 500."""
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY:  # a line every few seconds, not one per refused request
        _last_warning[0] = now
        log.warning("database unreachable: requests get 503 (%s)", error.__class__.__name__)
    return await service_error_handler(_request, Unavailable("the database is not reachable; retry in a moment"))
