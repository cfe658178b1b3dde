"""LeanRoutesFirst: the app's lean routes (app/api/lean_route.py) answer their requests from the middleware stack.

A request passes FastAPI's exception middleware, its exit-stack middleware and the router's loop before reaching the
route it matches first. For the API's hottest requests, placing and cancelling one order, that walk cost about as much
as the route's own work. This layer asks each of the given routes whether it matches the request (the route's own
`matches`) and has the first that does answer it (the route's own `handle`): nothing about a route is known here. What
the routes raise is answered by the app's own exception handlers, as FastAPI's exception middleware would answer it;
anything unhandled reaches the server-error middleware outside, a logged 500. The routes stay in the app's router too,
so the OpenAPI document and the router describe them as before, and a request they only partly match (another method)
goes on to the router, which answers it as before (a 405 with `Allow`, or another route of that path).
"""

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.routing import _update_scope
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send


class LeanRoutesFirst:
    """ASGI: `routes` (matched in order) answer the HTTP requests they fully match; `app` answers the rest."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute], owner: FastAPI) -> None:
        self.app = app
        self.router = owner.router
        # The handlers FastAPI's own exception middleware gets: all but the server error's (500 and Exception).
        # The stack is built at the first request, once every handler is added.
        handlers = {key: handler for key, handler in owner.exception_handlers.items() if key not in (500, Exception)}
        self.routes = [
            (route, ExceptionMiddleware(route.handle, handlers=handlers, debug=owner.debug)) for route in routes
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route, answer in self.routes:
                match, child_scope = route.matches(scope)
                if match == Match.FULL:
                    scope.setdefault("router", self.router)
                    _update_scope(scope, child_scope)
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)
