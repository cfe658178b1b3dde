"""The streaming API: one WebSocket at `/api/ws` for market data, private updates and order entry (docs/streaming.md).

`connection.py` holds one socket (its send queue, limits and close), `protocol.py` the ops, `channels.py` the
subscriptions, `market_hub.py` the public channels' messages, built once per change and shared by every subscriber,
`endpoint.py` the route and `asyncapi.py` the AsyncAPI document built from what is registered.
"""
