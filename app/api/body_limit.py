"""Refuses an API request whose declared body is too large before reading it, with a 413 in the API's JSON shape.

The router's `max_body_size` also stops chunked bodies as they arrive, but answers a declared `Content-Length` over the
limit in Starlette's plain text; API clients get JSON for every error.
"""

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api/"
MAX_BODY_BYTES = 16 * 1024  # an order is a few hundred bytes; anything larger is refused with a 413


class DeclaredBodyLimit:
    """Pure ASGI (no per-request objects): anything outside `/api/` passes straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(API_PREFIX)
            and _declared_length(scope) > MAX_BODY_BYTES
        ):
            too_large = JSONResponse({"detail": f"request body over {MAX_BODY_BYTES} bytes"}, status_code=413)
            await too_large(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else MAX_BODY_BYTES + 1
    return 0
