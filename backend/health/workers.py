"""Worker heartbeats: whether each `zan worker` process still works, for /health, /metrics and its container.

A worker can sit "running" and do nothing: its relay loop dead, its SAQ consumer blocked on a Redis connection that
never came back, its event loop blocked. So each worker process keeps a row (WorkerHeartbeat, one per hostname and
pid) rewritten every BEAT_EVERY_S with when its relay last finished a pass over the outbox and when its SAQ consumer
last made progress (a dequeue that returned, a job that ended: backend/jobs/saq.py, ZanWorker).

In the database, not in Redis: the database is always there (without it nothing works, the API's /health is 503),
while a worker whose Redis is down is healthy but unable to take work. Its relay keeps passing (tasks stay in the
outbox), its consumer cannot move. That is not the worker's fault and a restart would not help it: `zan health
worker` then still passes (it asks Redis itself, and names the outage), /health reports the Redis outage as
degraded. Once Redis answers again a consumer that does not recover fails the check.

Clocks: the progress times are judged against the row's own `beat_at` (the worker's clock on both sides); only the
beat's age compares the reader's clock with the worker's, with room to spare (SEEN_S).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import is_postgres
from backend.jobs.models import WorkerHeartbeat
from backend.lib.clock import as_utc, utcnow

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.jobs")

BEAT_EVERY_S = 10.0
BEAT_RETRY_S = 2.0  # a beat the database refused is written again soon: a worker just started would look gone
SEEN_S = 35.0  # three beats and some clock skew: a worker not heard of for longer is gone, or its event loop is blocked
# a relay pass claims and hands out up to 200 due tasks (each a short transaction and an enqueue) and then waits at
# most ZAN_RELAY_INTERVAL_S: two minutes without one finishing is a loop that died or hangs
RELAY_STALL_S = 120.0
SAQ_POLL_S = 5.0  # the SAQ dequeue's timeout: an idle consumer comes back empty-handed (and says so) this often
SAQ_IDLE_STALL_S = 60.0  # a free slot whose dequeue has not returned for a minute: the connection is dead
# every slot busy, nothing is dequeued until a job ends: the longest job's timeout (a scheduled run,
# SCHEDULED_TIMEOUT_S in backend/jobs/saq.py) and a minute
SAQ_BUSY_STALL_S = 300.0
FORGET_S = 86400.0  # rows of workers gone (killed, host lost) for a day are deleted by the others' beats
REDIS_PING_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class Progress:
    """What a worker process reports at each beat."""

    relay_at: datetime | None
    saq_at: datetime | None
    saq_running: int
    saq_concurrency: int


def identity() -> tuple[str, int]:
    """This process's heartbeat key: in a container the hostname is the container's, the pid often 1."""
    return socket.gethostname()[:255], os.getpid()


async def write_beat(ctx: Context, started_at: datetime, progress: Progress) -> None:
    hostname, pid = identity()
    now = utcnow()
    values: dict[str, Any] = {
        "hostname": hostname, "pid": pid, "started_at": started_at, "beat_at": now,
        "relay_at": progress.relay_at, "saq_at": progress.saq_at, "saq_running": progress.saq_running,
        "saq_concurrency": progress.saq_concurrency}
    async with ctx.sessions() as session:
        insert = postgresql.insert if is_postgres(session) else sqlite.insert
        statement = insert(WorkerHeartbeat).values(**values)
        await session.execute(statement.on_conflict_do_update(
            index_elements=["hostname", "pid"],
            set_={name: statement.excluded[name] for name in values if name not in ("hostname", "pid")}))
        await session.execute(delete(WorkerHeartbeat).where(
            col(WorkerHeartbeat.beat_at) < now - timedelta(seconds=FORGET_S)))
        await session.commit()


async def beat_forever(ctx: Context, progress: Callable[[], Progress]) -> None:
    """This process's heartbeat, the first at once, until cancelled."""
    started_at = utcnow()
    while True:
        wait = BEAT_EVERY_S
        try:
            await write_beat(ctx, started_at, progress())
        except (SQLAlchemyError, OSError) as exc:  # the database hiccuped: the beat must outlive it
            log.warning("worker heartbeat not written (%s)", type(exc).__name__)
            wait = BEAT_RETRY_S
        await asyncio.sleep(wait)


async def forget(ctx: Context) -> None:
    """Delete this process's row (a worker stopping): gone from /health at once."""
    hostname, pid = identity()
    try:
        async with ctx.sessions() as session:
            await session.execute(delete(WorkerHeartbeat).where(
                col(WorkerHeartbeat.hostname) == hostname, col(WorkerHeartbeat.pid) == pid))
            await session.commit()
    except (SQLAlchemyError, OSError) as exc:  # it ages out of /health after SEEN_S instead
        log.warning("worker heartbeat not removed (%s)", type(exc).__name__)


def stalls(beat: WorkerHeartbeat, now: datetime, *, redis_ok: bool = True) -> dict[str, float]:
    """The parts of this worker that stopped, each with how long it has been quiet (seconds): `beat` (the process is
    gone, or its event loop or its database connection is stuck), `relay`, `saq`. Empty: it works. With Redis down
    (`redis_ok` False) a quiet SAQ consumer is Redis's outage, not the worker's fault, and is not counted."""
    beat_at = as_utc(beat.beat_at)
    found: dict[str, float] = {}
    silent = (now - beat_at).total_seconds()
    if silent > SEEN_S:
        found["beat"] = silent
    if beat.relay_at is not None:
        quiet = (beat_at - as_utc(beat.relay_at)).total_seconds()
        if quiet > RELAY_STALL_S:
            found["relay"] = quiet
    if beat.saq_at is not None and redis_ok:
        quiet = (beat_at - as_utc(beat.saq_at)).total_seconds()
        busy = beat.saq_concurrency > 0 and beat.saq_running >= beat.saq_concurrency
        if quiet > (SAQ_BUSY_STALL_S if busy else SAQ_IDLE_STALL_S):
            found["saq"] = quiet
    return found


async def read_beats(session: AsyncSession, hostname: str | None = None) -> list[WorkerHeartbeat]:
    query = select(WorkerHeartbeat).order_by(col(WorkerHeartbeat.hostname), col(WorkerHeartbeat.pid))
    if hostname is not None:
        query = query.where(col(WorkerHeartbeat.hostname) == hostname)
    return list(await session.scalars(query))


def summary(beats: list[WorkerHeartbeat], now: datetime, *, redis_ok: bool = True) -> dict[str, Any]:
    """For /health's queue: workers seen within SEEN_S that work (`workers`) and that are stuck (`workers_stuck`: a
    relay or SAQ consumer stopped), and the age of the newest beat (`worker_seen_s`, None: no worker ever beat)."""
    seen = [beat for beat in beats if "beat" not in stalls(beat, now, redis_ok=redis_ok)]
    stuck = sum(1 for beat in seen if stalls(beat, now, redis_ok=redis_ok))
    newest = max((as_utc(beat.beat_at) for beat in beats), default=None)
    return {"workers": len(seen) - stuck, "workers_stuck": stuck,
            "worker_seen_s": round(max(0.0, (now - newest).total_seconds()), 1) if newest is not None else None}


async def exposition(session: AsyncSession) -> bytes:
    """`zan_worker_heartbeat_age_seconds` (+Inf when no worker ever beat) and `zan_workers{state}` in Prometheus'
    text format, read from the database at scrape time: the workers expose no /metrics of their own."""
    registry = CollectorRegistry(auto_describe=False)
    age = Gauge("zan_worker_heartbeat_age_seconds",
                "Seconds since the newest `zan worker` heartbeat (every 10 s while one runs); alert above 60",
                registry=registry)
    workers = Gauge("zan_workers", "`zan worker` processes seen within the last 35 s: state=working, or stuck (its "
                    "relay or SAQ consumer stopped while the process beats); alert on working == 0 or stuck > 0",
                    ["state"], registry=registry)
    now = utcnow()
    found = summary(await read_beats(session), now)
    seen = found["worker_seen_s"]
    age.set(math.inf if seen is None else seen)
    workers.labels("working").set(found["workers"])
    workers.labels("stuck").set(found["workers_stuck"])
    return generate_latest(registry)


async def redis_answers(ctx: Context) -> bool:
    if ctx.redis is None:
        return False
    from backend.lib.redis import UNAVAILABLE

    with contextlib.suppress(*UNAVAILABLE):
        await asyncio.wait_for(ctx.redis.ping(), timeout=REDIS_PING_TIMEOUT_S)  # type: ignore[arg-type]
        return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, another user's
        return True
    return True


async def check_here(ctx: Context, pid: int | None = None) -> tuple[bool, list[str]]:
    """`zan health worker`: whether the worker processes on this host (or the one with `pid`) work, and a line on
    each. The rows of processes no longer running here are left out (a worker restarted in its container)."""
    hostname, _ = identity()
    async with ctx.sessions() as session:
        beats = [beat for beat in await read_beats(session, hostname)
                 if (beat.pid == pid if pid is not None else _alive(beat.pid))]
    if not beats:
        return False, [f"no heartbeat from a worker on {hostname}" + (f" with pid {pid}" if pid is not None else "")]
    now = utcnow()
    redis_ok: bool | None = None
    healthy, lines = True, []
    for beat in beats:
        found = stalls(beat, now)
        note = ""
        if "saq" in found:
            if redis_ok is None:
                redis_ok = await redis_answers(ctx)
            if not redis_ok:  # Redis's outage: the worker waits for it, a restart would not help
                del found["saq"]
                note = "; Redis does not answer: the SAQ consumer waits for it"
        name = f"worker {beat.hostname}:{beat.pid}"
        if found:
            healthy = False
            lines.append(f"{name} stuck: " + ", ".join(f"{part} quiet for {quiet:.0f} s"
                                                        for part, quiet in found.items()) + note)
        else:
            lines.append(f"{name} ok: beat {(now - as_utc(beat.beat_at)).total_seconds():.0f} s ago, "
                         f"{beat.saq_running}/{beat.saq_concurrency} jobs running" + note)
    return healthy, lines
