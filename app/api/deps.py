"""What the routes depend on: the exchange, the database and the calling trader."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import services
from app.errors import InvalidInput, ServiceError, Unauthorized
from app.exchange import Exchange
from models import Trader

_bearer = HTTPBearer(auto_error=False, description="the API key received on registration")


async def get_exchange() -> Exchange:
    return (await services.started()).exchange


async def get_current_trader(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Trader:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <api_key>'")
    trader = await (await services.started()).accounts.by_api_key(credentials.credentials)
    if trader is None:
        raise Unauthorized("invalid API key")
    return trader


ExchangeDep = Annotated[Exchange, Depends(get_exchange)]
CurrentTrader = Annotated[Trader, Depends(get_current_trader)]


def error_body(error: ServiceError) -> dict:
    """The JSON body of a service error: validation errors in FastAPI's own shape, naming the field."""
    if isinstance(error, InvalidInput):
        return {"detail": [{"loc": ["body", error.field], "msg": error.reason, "type": "value_error"}]}
    return {"detail": error.message}


async def service_error_handler(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
    return JSONResponse(error_body(error), status_code=error.status_code, headers=headers)
