# Live Orderbook in one container: the API, the pages and their websocket on port 8080, SQLite on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies in a layer of their own, so that a code change does not reinstall them: exactly the locked versions,
# each checked against its hash (requirements.lock: pip-compile of requirements.txt).
COPY requirements.lock ./
RUN pip install --no-deps --require-hashes -r requirements.lock

COPY main.py ./
COPY app/ app/
COPY components/ components/
COPY models/ models/

# Not root; everything the app writes goes to /data: the SQLite database, the generated .storage_secret beside it,
# and NiceGUI's per-user session storage (so sign-ins survive a restart).
RUN useradd --create-home --uid 10001 orderbook && mkdir /data && chown orderbook /data
USER orderbook
VOLUME /data
ENV HOST=0.0.0.0 \
    DATABASE_URL=sqlite:////data/orderbook.db \
    NICEGUI_STORAGE_PATH=/data/.nicegui

EXPOSE 8080
# A page GET would create a NiceGUI client that lives a minute: health checks hit the API.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/api/health', timeout=4)"
CMD ["python", "main.py"]
