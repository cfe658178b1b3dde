"""The error answers the routes document, so that the OpenAPI schema lists every status a client can receive."""

from typing import Any

from sqlmodel import SQLModel


# Returned by the API on an error (except 422, which names the field): why nothing was done.
class ErrorPublic(SQLModel):
    detail: str


def error(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A documented JSON error; `headers` maps each header the answer carries to what it says."""
    documented: dict[str, Any] = {"description": description, "model": ErrorPublic}
    if headers:
        documented["headers"] = {
            name: {"description": meaning, "schema": {"type": "string"}} for name, meaning in headers.items()
        }
    return documented


# What FastAPI's `responses=` takes: documented answers by status code.
Responses = dict[int | str, dict[str, Any]]

# A body that is not UTF-8 JSON fails to parse before validation (400); well-formed JSON that is wrong gets a 422.
BAD_BODY: Responses = {400: error("The body is not valid JSON")}
# Refused before the route runs: by app/api/body_limit.py (Content-Length) or the router's `max_body_size` (chunked).
TOO_LARGE: Responses = {413: error("The body is over 16 KiB")}
AUTH: Responses = {
    401: error("Missing or invalid API key", headers={"WWW-Authenticate": "Bearer"}),
    429: error(
        "Too many wrong API keys from this address or with this key's first characters (a valid key is never refused)",
        headers={"Retry-After": "seconds to wait"},
    ),
}
UNAVAILABLE: Responses = {
    503: error(
        "Still starting, or the database is unreachable or could not take the change: nothing was changed",
        headers={"Retry-After": "seconds to wait"},
    )
}
