"""The route `/api/ws`: accepts a socket once the services run, and serves it until it ends."""

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from app import services as running
from app.errors import Unavailable
from app.stream import private_channels, public, trading_ops  # noqa: F401  (register the channels and ops)
from app.stream.connection import TRY_AGAIN_LATER, StreamConnection
from app.stream.frames import decline_compression
from app.stream.market_hub import hub_of

STREAM_PATH = "/api/ws"


async def stream_endpoint(websocket: WebSocket) -> None:
    try:
        services = await running.started()
    except Unavailable:
        await websocket.close(TRY_AGAIN_LATER, "the server is starting; retry in a moment")
        return
    hub_of(services)
    decline_compression(getattr(websocket, "_send", None))  # its frames are shared, never compressed (frames.py)
    await websocket.accept()
    await StreamConnection(websocket, services).serve()


stream_route = WebSocketRoute(STREAM_PATH, stream_endpoint, name="stream")


class StreamFirst:
    """ASGI: the stream's socket goes straight to its route, past the app's middlewares and router.

    A socket lives as long as its program, and every layer it passed holds a frame for that long: FastAPI's error,
    exception and exit-stack middlewares, the body limit, the lean routes, the router. None of them does anything for
    a websocket. The route stays in the app's router too (it answers the same there).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == STREAM_PATH:
            await stream_route.handle(scope, receive, send)
            return
        await self.app(scope, receive, send)
