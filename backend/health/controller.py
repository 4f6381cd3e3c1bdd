"""Liveness/readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar import Controller, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlmodel import col

from backend.context import Context
from backend.deps import CtxDep
from backend.jobs.models import OutboxTask
from backend.lib.redis import UNAVAILABLE
from backend.media.service import get_store
from backend.media.storage import StoreUnavailable


async def _check_db(ctx: Context) -> dict[str, Any]:
    started = time.perf_counter()
    async with ctx.sessions() as session:
        await session.execute(text("SELECT 1"))
        backlog = await session.scalar(
            select(func.count()).select_from(OutboxTask).where(col(OutboxTask.status).in_(["pending", "running"]))
        )
        dead = await session.scalar(
            select(func.count()).select_from(OutboxTask).where(col(OutboxTask.status) == "dead")
        )
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "outbox_backlog": int(backlog or 0), "outbox_dead": int(dead or 0)}


async def _check_redis(ctx: Context) -> dict[str, Any]:
    if ctx.redis is None:
        return {"ok": True, "mode": "not configured (embedded)"}
    try:
        started = time.perf_counter()
        await asyncio.wait_for(ctx.redis.ping(), timeout=1.0)  # type: ignore[arg-type]  # redis-py types sync|async
        return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    except UNAVAILABLE as exc:
        return {"ok": False, "error": type(exc).__name__}


MEDIA_CHECK_TTL_S = 15.0  # load balancers probe every few seconds; S3 need not be asked that often


async def _check_media(ctx: Context) -> dict[str, Any]:
    cached: tuple[float, dict[str, Any]] | None = ctx.extras.get("health_media")
    if cached is not None and time.monotonic() - cached[0] < MEDIA_CHECK_TTL_S:
        return cached[1]
    store = get_store(ctx)
    try:
        started = time.perf_counter()
        await asyncio.wait_for(store.ping(), timeout=2.0)
        result: dict[str, Any] = {"ok": True, "backend": store.name,
                                  "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    except (StoreUnavailable, TimeoutError) as exc:
        result = {"ok": False, "backend": store.name, "error": type(exc).__name__}
    ctx.extras["health_media"] = (time.monotonic(), result)
    return result


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", summary="Database, Redis, queue and media store health")
    async def health(self, ctx: CtxDep) -> Response[dict[str, Any]]:
        try:
            db = await _check_db(ctx)
        except Exception as exc:  # report, don't crash: this is what the load balancer asks
            db = {"ok": False, "error": type(exc).__name__}
        redis = await _check_redis(ctx)
        queue = {"ok": db.get("ok", False) and (ctx.settings.queue != "saq" or redis["ok"]),
                 "mode": ctx.settings.queue, "backlog": db.get("outbox_backlog"), "dead": db.get("outbox_dead")}
        media = await _check_media(ctx)
        # a Redis or media store outage degrades us (work waits in the outbox, files wait on the phone) but does not
        # stop intake; only the database does
        status = "ok" if db["ok"] and redis["ok"] and media["ok"] else ("degraded" if db["ok"] else "down")
        return Response({"status": status, "database": db, "redis": redis, "queue": queue, "media": media},
                        status_code=200 if db["ok"] else 503)

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST, include_in_schema=False)
    async def metrics(self) -> bytes:
        return generate_latest()
