"""Liveness (`/health/live`), readiness (`/health`) and Prometheus metrics.

Liveness asks nothing of the database or Redis: a container restarted because PostgreSQL is down comes back to the
same outage, and every API container restarting at once turns a database outage into a full one (intake answers
503 while the database is away, and is back the moment it returns). Readiness is what a load balancer asks whether
to send traffic here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.context import Context
from backend.deps import CtxDep
from backend.health import dead_letters
from backend.health import workers as worker_beats
from backend.health.schemas import Liveness
from backend.jobs.models import OutboxTask
from backend.ledger import metrics as ledger_metrics
from backend.ledger.record import protected
from backend.ledger.service import latest_seal
from backend.ledger.verify import check_progress, found_problems, pinned_progress
from backend.lib.clock import as_utc, utcnow
from backend.lib.crypto import key_id
from backend.lib.redis import UNAVAILABLE
from backend.lib.tasks import bounded
from backend.media.service import get_store
from backend.media.storage import StoreUnavailable
from backend.routing import failures as routing_failures

log = logging.getLogger(__name__)


async def _check_db(ctx: Context) -> dict[str, Any]:
    started = time.perf_counter()
    now = utcnow()
    async with ctx.sessions() as session:
        await session.execute(text("SELECT 1"))
        backlog = await session.scalar(
            select(func.count()).select_from(OutboxTask)
            .where(col(OutboxTask.status).in_(["pending", "queued", "running"]))
        )
        dead = await session.scalar(
            select(func.count()).select_from(OutboxTask).where(col(OutboxTask.status) == "dead")
        )
        # due and not started: waiting for the relay (pending) or for a worker to take it (queued); the time it
        # became due stays put when it is handed out again (ix_outbox_due serves both)
        oldest = await session.scalar(
            select(func.min(OutboxTask.next_attempt_at))
            .where(col(OutboxTask.status).in_(["pending", "queued"]), col(OutboxTask.next_attempt_at) <= now)
        )
        dead_deliveries = await dead_letters.dead_deliveries(session)
    waiting = max(0.0, (now - as_utc(oldest)).total_seconds()) if oldest is not None else 0.0
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "outbox_backlog": int(backlog or 0), "outbox_dead": int(dead or 0),
            "outbox_waiting_s": round(waiting, 1), "deliveries_dead": dead_deliveries}


# each of /health's database reads (one round, then the queue's, the ledger's and routing's side by side): a database
# that keeps a pooled connection open and never answers on it (a partition dropping packets, a frozen server) held
# the probe for ever, and a connection of the pool with it. Under a load balancer's usual probe timeout (5 s)
HEALTH_DB_TIMEOUT_S = 2.0


async def _within(what: str, check: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """`check`'s answer, or, if it fails or takes over HEALTH_DB_TIMEOUT_S, a part that is not ok and names only the
    kind of error (no message: it may name hosts, users, statements)."""
    try:
        return await bounded(check, HEALTH_DB_TIMEOUT_S)
    except Exception as exc:
        log.warning("health: %s did not answer (%s)", what, type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}


async def _check_redis(ctx: Context) -> dict[str, Any]:
    if ctx.redis is None:
        return {"ok": True, "mode": "not configured (embedded)"}
    try:
        started = time.perf_counter()
        await asyncio.wait_for(ctx.redis.ping(), timeout=1.0)  # type: ignore[arg-type]  # redis-py types sync|async
        return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    except UNAVAILABLE as exc:
        return {"ok": False, "error": type(exc).__name__}


CACHED_CHECK_TTL_S = 15.0  # load balancers probe every few seconds; S3 and the ledger need not be asked that often


async def _cached(ctx: Context, name: str, check: Callable[[Context], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """`check`'s last answer if it is younger than CACHED_CHECK_TTL_S (kept in ctx.extras under `name`)."""
    cached: tuple[float, dict[str, Any]] | None = ctx.extras.get(name)
    if cached is not None and time.monotonic() - cached[0] < CACHED_CHECK_TTL_S:
        return cached[1]
    result = await check(ctx)
    ctx.extras[name] = (time.monotonic(), result)
    return result


async def _check_media(ctx: Context) -> dict[str, Any]:
    store = get_store(ctx)
    try:
        started = time.perf_counter()
        await asyncio.wait_for(store.ping(), timeout=2.0)
        result: dict[str, Any] = {"ok": True, "backend": store.name,
                                  "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    except (StoreUnavailable, TimeoutError) as exc:
        result = {"ok": False, "backend": store.name, "error": type(exc).__name__}
    return result


QUEUE_LAG_S = 300.0  # a due task is started within seconds while workers consume; five minutes unstarted: they do not


async def _check_queue(ctx: Context, db: dict[str, Any], redis: dict[str, Any]) -> dict[str, Any]:
    """Whether outbox work gets run. With SAQ, Redis answering says nothing of the workers: they may all be down or
    stuck, and work then waits in the queue while nothing looks wrong. So: how many workers beat and make progress
    (backend/health/workers.py: none seen for SEEN_S, or one whose relay or consumer stopped, degrades), and how long
    the oldest due task has waited to start. In embedded mode this process runs the tasks itself (the wait is still
    shown)."""
    waiting = db.get("outbox_waiting_s")
    queue: dict[str, Any] = {"ok": bool(db.get("ok")), "mode": ctx.settings.queue,
                             "backlog": db.get("outbox_backlog"), "dead": db.get("outbox_dead"),
                             # pushes and partner webhooks that gave up (`zan notifications stuck` / `retry`)
                             "deliveries_dead": db.get("deliveries_dead"), "waiting_s": waiting}
    if ctx.settings.queue != "saq":
        return queue
    seen: dict[str, Any] = {"workers": None, "workers_stuck": None, "worker_seen_s": None}
    if db.get("ok"):
        async def read() -> list[Any]:
            async with ctx.sessions() as session:
                return await worker_beats.read_beats(session)

        try:
            beats = await bounded(read(), HEALTH_DB_TIMEOUT_S)
            # with Redis down no consumer can move: that is Redis's outage (reported above), not stuck workers
            seen = worker_beats.summary(beats, utcnow(), redis_ok=bool(redis["ok"]))
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("health: worker heartbeats could not be read (%s)", type(exc).__name__)
    queue.update(seen)
    queue["ok"] = (queue["ok"] and redis["ok"] and bool(seen["workers"]) and not seen["workers_stuck"]
                   and (waiting is None or waiting < QUEUE_LAG_S))
    return queue


LEDGER_LAG_S = 300.0  # the record is sealed every minute: rows unsealed for five minutes mean the sealing stopped


async def _check_ledger(ctx: Context) -> dict[str, Any]:
    """Whether the record is being sealed: a stopped sealer (no worker, a crash loop, a key it does not have)
    fails silently otherwise, and every unsealed row can be changed without a trace."""
    async with ctx.sessions() as session:
        head = await latest_seal(session)
        since = head.sealed_at if head is not None else None
        # the oldest row after the head's time (each an index probe on the (time, id) index the sealer scans)
        waiting = []
        for spec in protected().values():
            column = spec.table.c[spec.time]
            query = select(func.min(column)) if since is None else select(func.min(column)).where(column > since)
            waiting.append(await session.scalar(query))
        checked = await check_progress(session)
        pinned = found_problems(await pinned_progress(session))
    # what the scheduled check of the whole chain found changed (its current cycle, or the last one until the next
    # begins): logged at ERROR when found, and kept failing here so a monitor that reads only /health sees it too
    found = checked.positions.get("problems") if checked is not None and isinstance(checked.positions, dict) else 0
    problems = found if isinstance(found, int) and found > 0 else 0
    oldest = min((as_utc(at) for at in waiting if at is not None), default=None)
    behind = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
    return {
        "ok": behind < LEDGER_LAG_S and not problems and not pinned, "head": head.id if head else None,
        "check_problems": problems,
        # rows no seal holds found changed by the scheduled pinned check (the last cycle's count until a cycle
        # passes clean)
        "pinned_problems": pinned,
        "sealed_at": as_utc(head.sealed_at).isoformat() if head else None, "unsealed_for_s": round(behind, 1),
        # after a rotation the next seal moves the head to the new key (`zan keys reseal` does it at once)
        "head_key_current": head is None or head.key_id in (None, key_id(ctx.settings.secret_key))}


DB_METRICS_TIMEOUT_S = 3.0  # under Prometheus' default scrape timeout (10 s): the process metrics still arrive


async def _db_metrics(ctx: Context, what: str, exposition: Callable[[AsyncSession], Awaitable[bytes]],
                      unread: bytes = b"") -> bytes:
    """Gauges read from the database now (`exposition`), so every API process shows the same (the workers whose
    passes they count expose no /metrics); a database that does not answer in time leaves them out, returning
    `unread` instead, and logs it: the scrape must still carry the process metrics."""
    async def read() -> bytes:
        async with ctx.sessions() as session:
            return await exposition(session)

    try:
        return await bounded(read(), DB_METRICS_TIMEOUT_S)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("metrics: %s could not be read from the database (%s)", what, type(exc).__name__)
        return unread


async def _check_routing(ctx: Context) -> dict[str, Any]:
    """Open reports whose routing failed, and whether any was given up on (backend/routing/failures.py)."""
    async with ctx.sessions() as session:
        return await routing_failures.health(session)


ALIVE = Liveness()


class HealthController(Controller):
    tags = ["operations"]

    @get("/health/live", summary="Liveness: the process serves requests (no database, no Redis)")
    async def live(self) -> Liveness:
        """200 while this process answers HTTP; for a container's healthcheck or an orchestrator's liveness probe.
        It asks no database, Redis or store (`/health` is readiness), needs no credentials and says nothing else."""
        return ALIVE

    @get("/health", summary="Database, Redis, queue and its workers, media store, ledger sealing and routing health")
    async def health(self, ctx: CtxDep) -> Response[dict[str, Any]]:
        # report, don't crash or hang: this is what the load balancer asks. Each database read is bounded (_within),
        # and those after the first run side by side. Redis's probe runs alone: its 1 s counts the loop's time too
        db = await _within("the database", _check_db(ctx))
        redis = await _check_redis(ctx)
        media = await _cached(ctx, "health_media", _check_media)
        if db["ok"]:
            queue, ledger, routing = await asyncio.gather(
                _check_queue(ctx, db, redis),
                _within("the ledger", _cached(ctx, "health_ledger", _check_ledger)),
                _within("routing", _cached(ctx, "health_routing", _check_routing)))
        else:
            queue, ledger, routing = await _check_queue(ctx, db, redis), {"ok": False}, {"ok": False}
        # a Redis, worker, media store or sealing outage degrades us (work waits in the outbox, files wait on the
        # phone, rows wait for their seal), and so does a report routing gave up on (it waits in triage for `zan ml
        # reroute`), but none stops intake; only the database does
        parts = (db, redis, queue, media, ledger, routing)
        status = "ok" if all(part["ok"] for part in parts) else ("degraded" if db["ok"] else "down")
        return Response({"status": status, "database": db, "redis": redis, "queue": queue, "media": media,
                         "ledger": ledger, "routing": routing}, status_code=200 if db["ok"] else 503)

    # Litestar adds the charset to a text/* type itself: prometheus_client's constant already carries one
    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST.replace("; charset=utf-8", ""),
         include_in_schema=False)
    async def metrics(self, ctx: CtxDep) -> bytes:
        # read side by side: a database that does not answer costs one timeout, not one per group of gauges
        reads = [
            # the ledger says it was not read (`zan_ledger_metrics_read 0`), so an alert tells unread from quiet
            _db_metrics(ctx, "the ledger's gauges", ledger_metrics.exposition, ledger_metrics.unread()),
            _db_metrics(ctx, "the routing failures gauge", routing_failures.exposition),
            _db_metrics(ctx, "the dead letters gauge", dead_letters.exposition)]
        if ctx.settings.queue == "saq":  # embedded mode has no workers: this process runs the tasks itself
            reads.append(_db_metrics(ctx, "the worker heartbeat gauges", worker_beats.exposition))
        return generate_latest() + b"".join(await asyncio.gather(*reads))
