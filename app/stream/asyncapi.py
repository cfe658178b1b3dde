"""The AsyncAPI 3 document of the stream, served at `/asyncapi.json`: built from the registered ops and channels, so
what a module registers is described without a second list to keep up to date."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.stream.channels import CHANNELS
from app.stream.connection import MAX_FRAME_BYTES, MAX_QUEUED_BYTES, MAX_QUEUED_MESSAGES
from app.stream.endpoint import STREAM_PATH
from app.stream.protocol import OPS

DESCRIPTION = f"""One WebSocket for market data, a trader's own updates and order entry: one JSON object per text
frame. Every client frame has `op`; a frame with an `id` is answered with the same `id`. Bad input is answered with
`{{"op": "error", "status": 4xx, "detail": ...}}` and the socket stays open. Limits: frames up to {MAX_FRAME_BYTES}
bytes; a frame rate (close 1008 over it); at most {MAX_QUEUED_MESSAGES} messages or {MAX_QUEUED_BYTES} bytes queued
for a client that does not read (close 1013). The server sends protocol pings at most every 20 s. See the
documentation page docs/streaming.md in the repository for every field."""
ERROR = {
    "op": {"const": "error"},
    "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "status": {"type": "integer", "minimum": 400, "maximum": 599},
    "detail": {"type": "string", "description": "what is wrong, naming the field"},
}


def _payload(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def document(host: str) -> dict[str, Any]:
    """The AsyncAPI 3.0 document, its server at `host` (the one that was asked)."""
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    ident = {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "echoed in the answer"}
    for op in sorted(OPS.values(), key=lambda op: op.name):
        request, reply = f"{op.name}Request", f"{op.name}Answer"
        messages[request] = {
            "name": request,
            "summary": op.summary,
            "payload": _payload({"op": {"const": op.name}, "id": ident, **op.fields}, ["op"]),
        }
        answer_op = "pong" if op.name == "ping" else op.name
        messages[reply] = {
            "name": reply,
            "payload": _payload({"op": {"const": answer_op}, "id": ident, **op.answer}, ["op"]),
        }
        operations[op.name] = {
            "action": "receive",
            "summary": op.summary,
            "channel": {"$ref": "#/channels/stream"},
            "messages": [{"$ref": f"#/channels/stream/messages/{request}"}],
            "reply": {
                "channel": {"$ref": "#/channels/stream"},
                "messages": [
                    {"$ref": f"#/channels/stream/messages/{reply}"},
                    {"$ref": "#/channels/stream/messages/error"},
                ],
            },
        }
    messages["error"] = {"name": "error", "summary": "A refused frame", "payload": _payload(ERROR, ["op", "status"])}
    for channel in sorted(CHANNELS.values(), key=lambda channel: channel.name):
        names = []
        for name, properties in channel.messages.items():
            messages[name] = {"name": name, "summary": channel.summary, "payload": _payload(properties, ["channel"])}
            names.append(name)
        operations[f"{channel.name}Channel"] = {
            "action": "send",
            "title": f"channel {channel.name}" + (" (private: after auth, no market)" if channel.private else ""),
            "summary": channel.summary,
            "description": "subscribe with "
            + ", ".join(["channel", *(["market"] if channel.market else []), *channel.params]),
            "channel": {"$ref": "#/channels/stream"},
            "messages": [{"$ref": f"#/channels/stream/messages/{name}"} for name in names],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Live Orderbook streaming API", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {"this": {"host": host, "protocol": "ws", "pathname": STREAM_PATH}},
        "channels": {
            "stream": {
                "address": STREAM_PATH,
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": operations,
        "components": {"messages": messages},
    }


async def _serve(request: Request) -> JSONResponse:
    return JSONResponse(document(request.headers.get("host", "localhost")))


asyncapi_route = Route("/asyncapi.json", _serve, methods=["GET"], name="asyncapi")
