"""What operators scrape: Prometheus metrics of orders, the writers' batches, pages and the process."""

from app.observability.routes import router as prometheus_router

__all__ = ["prometheus_router"]
