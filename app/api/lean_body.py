"""Reading a lean route's request body (app/api/lean_route.py) as FastAPI's request handler reads it: within the
route's body limit, parsed as JSON when the content type says so, its errors FastAPI's own."""

import email.message
import json
from typing import Any

from fastapi import Request
from fastapi._body_limit import get_body_limit_error
from fastapi.exceptions import RequestValidationError
from pydantic.fields import PydanticUndefined
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import Scope

JSON = "application/json"


async def read_json_body(request: Request, max_body_size: int | None, *, strict: bool) -> Any:
    """The body as FastAPI's handler reads it: JSON when the content type says so, else the raw bytes."""
    try:
        body = await read_body(request, max_body_size)
        if not body:
            return PydanticUndefined
        content_type = request.headers.get("content-type")
        return json.loads(body) if _is_json(content_type, strict=strict) else body
    except json.JSONDecodeError as error:
        problem = {"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**problem, "ctx": {"error": error.msg}}], body=error.doc) from error
    except HTTPException:  # the body limit, for a body that turns out too large as it arrives
        raise
    except Exception as error:
        if MAX_BODY_SIZE_SCOPE_KEY in request.scope and (limit := get_body_limit_error(error)):
            raise limit from error
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from error


async def read_body(request: Request, max_body_size: int | None) -> bytes:
    """The whole body, refused as Starlette's body limit refuses one that turns out too large as it arrives."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if max_body_size is not None and size > max_body_size:
            raise HTTPException(status_code=413, detail="Content Too Large")
        chunks.append(chunk)
    return b"".join(chunks)


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length as Starlette's body limit reads it (None if absent or not a number)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_json(content_type: str | None, *, strict: bool) -> bool:
    if content_type == JSON:  # what clients send: no need to parse it
        return True
    if not content_type:
        return not strict
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))
