"""The route `/api/ws`: accepts a socket once the services run, and serves it until it ends."""

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from app import services as running
from app.errors import Unavailable
from app.stream import private_channels, public, trading_ops  # noqa: F401  (register the channels and ops)
from app.stream.connection import TRY_AGAIN_LATER, StreamConnection
from app.stream.market_hub import hub_of

STREAM_PATH = "/api/ws"


async def stream_endpoint(websocket: WebSocket) -> None:
    try:
        services = await running.started()
    except Unavailable:
        await websocket.close(TRY_AGAIN_LATER, "the server is starting; retry in a moment")
        return
    hub_of(services)
    await websocket.accept()
    await StreamConnection(websocket, services).serve()


stream_route = WebSocketRoute(STREAM_PATH, stream_endpoint, name="stream")
