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


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", summary="Database, Redis and queue health")
    async def health(self, ctx: CtxDep) -> Response[dict[str, Any]]:
        try:
            db = await _check_db(ctx)
        except Exception as exc:  # report, don't crash: this is what the load balancer asks
            db = {"ok": False, "error": type(exc).__name__}
        redis = await _check_redis(ctx)
        queue = {"ok": db.get("ok", False) and (ctx.settings.queue != "saq" or redis["ok"]),
                 "mode": ctx.settings.queue, "backlog": db.get("outbox_backlog"), "dead": db.get("outbox_dead")}
        # a Redis outage degrades us (work waits in the outbox) but does not stop intake
        status = "ok" if db["ok"] and redis["ok"] else ("degraded" if db["ok"] else "down")
        return Response({"status": status, "database": db, "redis": redis, "queue": queue},
                        status_code=200 if db["ok"] else 503)

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST, include_in_schema=False)
    async def metrics(self) -> bytes:
        return generate_latest()
