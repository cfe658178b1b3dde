"""Routes that FastAPI declares and documents but that answer each request without FastAPI's dependency solver.

Placing and cancelling one order are the API's hottest requests, and FastAPI's generic request machinery (dependency
solving with its nested security scheme, the response model's round trip) costs far more of the event loop than the
order itself. A `LeanRoute` keeps everything FastAPI knows about the route: its path, signature,
body model, status code, responses and the OpenAPI document made from them. Only the per-request work differs: the
endpoint's dependencies are awaited in the order worked out when the route is built, and what decides an answer is left
to FastAPI's own functions (parameter and body validation, the response model's serializer, the app's exception
handlers), so the answers are those of an ordinary route, byte for byte. Where such a function would only repeat work
for the usual request, its deciding part is called alone: the field's own validation for a plain path parameter or a
JSON object body (FastAPI's function again for anything else, and whenever there is an error, so the errors are its
own), the field's own dump for an instance of exactly the response model. `app.dependency_overrides` is not consulted.

A lean route takes what the order routes need, checked when the route is built (anything else is a TypeError):
path parameters, one JSON body, a `Response` parameter, and dependencies that are coroutines taking the request, the
connection, the response or further such dependencies. It reads FastAPI internals (`fastapi._body_limit`, the
effective-route context variable, `APIRoute._embed_body_fields`): tests/test_lean_route.py sends the same requests to
an ordinary and a lean route and fails when an upgrade makes them answer differently. This module can go once FastAPI's
own request handling costs about the same."""

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import Request, Response, params
from fastapi._compat import field_annotation_is_sequence
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    _get_param_aliases,
    _get_param_model,
    request_body_to_args,
    request_params_to_args,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, _effective_route_context_var, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic import BaseModel
from pydantic.fields import PydanticUndefined
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.lean_body import JSON, declared_length, read_json_body

UNREAD: Any = object()  # the body is read from the request (a caller in this process may hand it over parsed)
Handler = Callable[..., Coroutine[Any, Any, Response]]  # (request, body=UNREAD) -> response


class LeanRoute(APIRoute):
    """An `APIRoute` answered by `lean_handler`: `APIRouter(route_class=LeanRoute)` makes its routes lean."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **declared: Any) -> None:
        super().__init__(path, endpoint, **declared)
        # A route of the app's own router runs `self.app`. FastAPI's wraps the handler in exit stacks, an exception
        # wrapper and a body-limit middleware, none of which the lean handler needs: it reads the body within the
        # limit itself, and its errors reach the app's exception middleware, which answers them with the same
        # handlers. FastAPI's stays for a declared body over the limit, which it answers before any handler runs.
        self.lean_handler = self.get_route_handler()
        self.app = lean_app(self.lean_handler, self.max_body_size, over_limit=self.app)

    def get_route_handler(self) -> Handler:
        # Included routers build their routes in FastAPI's "effective" context (prefix, router dependencies, limits),
        # as `APIRoute.get_route_handler` reads it.
        effective = _effective_route_context_var.get()
        route = effective if effective is not None and effective.original_route is self else self
        return lean_handler(route)


def lean_app(handler: Handler, max_body_size: int | None, *, over_limit: ASGIApp) -> ASGIApp:
    """The ASGI app of a lean route: `handler`'s response, or `over_limit` for a declared body over the limit."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if max_body_size is not None and (declared_length(scope) or 0) > max_body_size:
            await over_limit(scope, receive, send)
            return
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


def lean_handler(route: Any) -> Handler:
    """The request handler of `route` (an `APIRoute` or FastAPI's effective view of one)."""
    dependant: Dependant = route.dependant
    refuse_unless_lean(dependant, route)
    endpoint = dependant.call
    assert endpoint is not None
    body_params = dependant.body_params
    max_body_size: int | None = route.max_body_size
    strict_content_type = _value(route.strict_content_type)
    embed_body_fields: bool = route._embed_body_fields
    # One body model taking the whole body (the order routes'): validated as FastAPI's `request_body_to_args` does.
    whole_body = body_params[0] if len(body_params) == 1 and not embed_body_fields else None
    steps = dependency_steps(dependant)
    path_values_of = path_validator(dependant.path_params)
    serialize = response_serializer(route)

    async def handle(request: Request, body: Any = UNREAD) -> Response:
        # FastAPI's order: the body is parsed first, then the dependencies run, then the parameters are validated.
        # A `body` given is the JSON body already parsed (the stream's order entry): the same values, no bytes.
        if body is UNREAD:
            body = (
                await read_json_body(request, max_body_size, strict=strict_content_type)
                if body_params
                else PydanticUndefined
            )
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]  # as FastAPI: None until the endpoint sets one
        values = await solve(steps, request, sub_response)
        path_values, errors = path_values_of(request.path_params)
        values.update(path_values)
        if whole_body is not None and type(body) is dict:
            values[whole_body.name], body_errors = whole_body.validate(body, {}, loc=("body",))
            errors += body_errors
        elif body_params:
            body_values, body_errors = await request_body_to_args(body_params, body, embed_body_fields)
            values.update(body_values)
            errors += body_errors
        if errors:
            raise RequestValidationError(errors, body=None if body is PydanticUndefined else body)
        content = await serialize(await endpoint(**values))
        status_code = sub_response.status_code or route.status_code or 200
        response = Response(content, status_code=status_code, media_type=JSON)
        if not is_body_allowed_for_status_code(status_code):
            response.body = b""
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    return handle


def response_serializer(route: Any) -> Callable[[Any], Coroutine[Any, Any, bytes]]:
    """The route's response body as FastAPI's `serialize_response` makes it. An instance of exactly the response model
    (with no model validator, not revalidated) would come out of its validation unchanged, so it is dumped at once."""
    field = route.response_field
    model = route.response_model
    options = {
        "include": route.response_model_include,
        "exclude": route.response_model_exclude,
        "by_alias": route.response_model_by_alias,
        "exclude_unset": route.response_model_exclude_unset,
        "exclude_defaults": route.response_model_exclude_defaults,
        "exclude_none": route.response_model_exclude_none,
    }
    as_is = (
        isinstance(model, type)
        and issubclass(model, BaseModel)
        and not model.__pydantic_decorators__.model_validators
        and model.model_config.get("revalidate_instances", "never") == "never"
    )

    async def serialize(content: Any) -> bytes:
        if as_is and type(content) is model:
            return field.serialize_json(content, **options)
        return await serialize_response(field=field, response_content=content, dump_json=True, **options)

    return serialize


def path_validator(fields: list[Any]) -> Callable[[dict[str, Any]], tuple[dict[str, Any], list[Any]]]:
    """The path parameters' values and errors as FastAPI's `request_params_to_args` gives them. Plain path parameters
    (not a model, not a sequence) are validated each as FastAPI validates one; FastAPI's function answers the rest,
    and every request with an error, so that the errors are its own."""
    plain = not any(
        _get_param_model(field) or field_annotation_is_sequence(field.field_info.annotation) for field in fields
    )
    keyed = [(field.name, _get_param_aliases(field)[0][1], field) for field in fields] if plain else []

    def values_of(received: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        if plain:
            values: dict[str, Any] = {}
            for name, key, field in keyed:
                value = received.get(key)
                if value is None:
                    break
                values[name], errors = field.validate(value, values, loc=("path", key))
                if errors:
                    break
            else:
                return values, []
        return request_params_to_args(fields, received)

    return values_of


# A step of solving a route's dependencies: the call, and where each of its arguments comes from (a slot holding an
# earlier step's value, or the request or response).
Step = tuple[Callable[..., Any], list[tuple[str, int]]]
REQUEST, RESPONSE = -1, -2


def dependency_steps(dependant: Dependant) -> tuple[list[Step], list[tuple[str, int]]]:
    """`dependant`'s dependencies in the order FastAPI awaits them, each call once per request (as FastAPI caches
    them), and where the endpoint's own arguments come from: worked out once per route."""
    steps: list[Step] = []
    slots: dict[Any, int] = {}

    def arguments(node: Dependant) -> list[tuple[str, int]]:
        taken: list[tuple[str, int]] = []
        for sub in node.dependencies:
            sub_arguments = arguments(sub)
            if not (sub.use_cache and sub.call in slots):
                steps.append((cast(Callable[..., Any], sub.call), sub_arguments))
                slots.setdefault(sub.call, len(steps) - 1)
            if sub.name is not None:
                taken.append((sub.name, slots[sub.call] if sub.use_cache else len(steps) - 1))
        for name in (node.request_param_name, node.http_connection_param_name):
            if name:
                taken.append((name, REQUEST))
        if node.response_param_name:
            taken.append((node.response_param_name, RESPONSE))
        return taken

    endpoint_arguments = arguments(dependant)
    return steps, endpoint_arguments


async def solve(
    steps: tuple[list[Step], list[tuple[str, int]]], request: Request, response: Response
) -> dict[str, Any]:
    """The values of the endpoint's dependencies, request and response parameters. A lean route's dependencies take
    no request parameters, so none can fail validation (`refuse_unless_lean`)."""
    calls, endpoint_arguments = steps
    solved: list[Any] = []
    given = {REQUEST: request, RESPONSE: response}
    for call, call_arguments in calls:
        kwargs = {name: solved[slot] if slot >= 0 else given[slot] for name, slot in call_arguments}
        solved.append(await call(**kwargs))
    return {name: solved[slot] if slot >= 0 else given[slot] for name, slot in endpoint_arguments}


def refuse_unless_lean(dependant: Dependant, route: Any) -> None:
    """A TypeError naming what `lean_handler` would not answer as FastAPI does."""
    name = getattr(route, "path", "?")
    if not isinstance(route.response_class, DefaultPlaceholder) or route.response_field is None:
        raise TypeError(f"lean route {name}: needs a response model and the default response class")
    if len(dependant.body_params) > 1 or any(_takes_form(field) for field in dependant.body_params):
        raise TypeError(f"lean route {name}: takes at most one JSON body")
    if dependant.query_params or dependant.header_params or dependant.cookie_params:
        raise TypeError(f"lean route {name}: takes no query, header or cookie parameters")
    _refuse_unless_lean_dependencies(dependant, name)


def _refuse_unless_lean_dependencies(dependant: Dependant, name: str) -> None:
    unsupported = (
        dependant.websocket_param_name,
        dependant.background_tasks_param_name,
        dependant.security_scopes_param_name,
        dependant.own_oauth_scopes,
        dependant.concurrency,
    )
    if any(unsupported):
        raise TypeError(f"lean route {name}: {dependant.call} takes what lean routes do not give")
    for sub in dependant.dependencies:
        if sub.path_params or sub.query_params or sub.header_params or sub.cookie_params or sub.body_params:
            raise TypeError(f"lean route {name}: dependency {sub.call} takes request parameters")
        if not _is_coroutine(sub.call):
            raise TypeError(f"lean route {name}: dependency {sub.call} is not a coroutine function")
        _refuse_unless_lean_dependencies(sub, name)


def _is_coroutine(call: Any) -> bool:
    # A coroutine function, or an instance whose class's `__call__` is one (FastAPI's security schemes).
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def _takes_form(field: Any) -> bool:
    return isinstance(field.field_info, params.Form)


def _value(setting: Any) -> Any:
    return setting.value if isinstance(setting, DefaultPlaceholder) else setting
