"""`GET /metrics`: the Prometheus exposition of this process, beside the JSON `/api/metrics` meant for people."""

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import choose_encoder

from app.observability.metrics import REGISTRY

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text format 0.0.4, or OpenMetrics when the scraper asks for it in `Accept`."""
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    # Collecting reads /proc and walks the collectors: kept off the event loop.
    body = await asyncio.to_thread(encode, REGISTRY)
    return Response(content=body, media_type=content_type)
