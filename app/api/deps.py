"""What the routes depend on: the exchange, the database and the calling trader."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import services
from app.accounts import throttle
from app.accounts.service import Caller
from app.errors import InvalidInput, ServiceError, Unauthorized
from app.exchange.service import Exchange

_bearer = HTTPBearer(auto_error=False, description="the API key received on registration")


async def get_exchange() -> Exchange:
    return (await services.started()).exchange


async def get_current_trader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <api_key>'")
    address = client_address(request)
    throttle.API_KEY_PER_ADDRESS.check(address)  # key guessing from one address gets 429s, not answers
    trader = await (await services.started()).accounts.by_api_key(credentials.credentials)
    if trader is None:
        throttle.API_KEY_PER_ADDRESS.fail(address)
        raise Unauthorized("invalid API key")
    return trader


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
    return JSONResponse(error_body(error), status_code=error.status_code, headers=headers)
