"""SAQ transport for outbox tasks (production mode with Redis).

The outbox stays the record of truth: a SAQ job only carries (task id, attempt). If Redis loses the job, the
task's lease expires and the relay hands it out again; the attempt number makes a late duplicate harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from typing import TYPE_CHECKING, Any

from saq import CronJob, Queue, Worker

from backend.jobs.registry import load_all_handlers
from backend.jobs.relay import TASK_TIMEOUT_S, execute
from backend.jobs.scheduled import MAIN, SEAL
from backend.lib.redis import UNAVAILABLE

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.jobs")
# a cron run's bound. Runs of one cron job never overlap (SAQ enqueues a cron job under the key `cron:<function>`
# and refuses another while one is scheduled or running), so a run that outlasts the minute delays the next one
# instead of piling up; the bound is for a run that hangs (a lock wait, a dead connection), and is what lets SAQ's
# sweep free the key of a run whose worker died. SAQ's default (10 s) cut off the whole minute's work whenever it
# took longer, every minute: four minutes leave room for a run's share of the hourly reread of a day (at most
# service.REREAD_ROWS rows a run, ~40 s; a larger day goes on from its checkpoint in the next runs) and a backlog
# sweep, and stay under the five minutes after which /health reports the record's sealing as stopped
SCHEDULED_TIMEOUT_S = 240
HEARTBEAT_EVERY_S = 10.0
HEARTBEAT_RETRY_S = 1.0
HEARTBEAT_TTL_S = 30  # three beats: a worker whose loop stalls for a beat or two is not reported gone


def get_queue(ctx: Context) -> Queue:
    queue: Queue | None = ctx.extras.get("saq_queue")
    if queue is None:
        assert ctx.settings.redis_url, "the SAQ queue needs ZAN_REDIS_URL"
        queue = Queue.from_url(ctx.settings.redis_url, name=f"{ctx.settings.redis_prefix}-jobs")
        ctx.extras["saq_queue"] = queue
        ctx.extras.setdefault("_closers", []).append(queue.disconnect)
    return queue


def job_key(task_id: uuid.UUID, attempt: int) -> str:
    return f"outbox:{task_id}:{attempt}"


async def enqueue_attempt(ctx: Context, task_id: uuid.UUID, attempt: int) -> None:
    # an attempt handed out again (its lease ran out before a worker started it) has the same key: while its first
    # job still waits in Redis SAQ refuses the copy, so a queue without workers does not gain a copy per lease
    await get_queue(ctx).enqueue(
        "zan_run_task",
        task_id=str(task_id),
        attempt=attempt,
        key=job_key(task_id, attempt),
        timeout=int(TASK_TIMEOUT_S) + 5,
        retries=1,  # SAQ counts attempts; retries belong to the outbox, which survives Redis restarts
    )


async def zan_run_task(saq_ctx: dict[str, Any], *, task_id: str, attempt: int) -> str:
    ctx: Context = saq_ctx["zan"]
    return await execute(ctx, uuid.UUID(task_id), attempt)


async def zan_cron_seal(saq_ctx: dict[str, Any]) -> None:
    """Sealing the record, every minute, in a cron job of its own: no other scheduled job can delay or starve it."""
    from backend.jobs.scheduled import run_scheduled

    await run_scheduled(saq_ctx["zan"], SEAL)


async def zan_cron(saq_ctx: dict[str, Any]) -> None:
    """Periodic housekeeping and SLA checks, registered by domains as outbox-free scheduled work."""
    from backend.jobs.scheduled import run_scheduled

    await run_scheduled(saq_ctx["zan"], MAIN)


def cron_jobs() -> list[CronJob]:
    return [CronJob(zan_cron_seal, cron="* * * * *", timeout=SCHEDULED_TIMEOUT_S),
            CronJob(zan_cron, cron="* * * * *", timeout=SCHEDULED_TIMEOUT_S)]


# -- worker liveness ------------------------------------------------------------------------------------------------
# Each worker keeps a key with a TTL alive while its event loop runs, and lists itself in a set; /health counts the
# keys still there. Redis expires them, so no clock of ours is compared with another host's.
def _workers_key(ctx: Context) -> str:
    return ctx.keys("saq-workers")


async def _beat(ctx: Context, worker_id: str) -> None:
    assert ctx.redis is not None
    info = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        wait = HEARTBEAT_EVERY_S
        try:
            async with ctx.redis.pipeline(transaction=True) as pipe:
                pipe.set(ctx.keys("saq-worker", worker_id), info, ex=HEARTBEAT_TTL_S)
                pipe.sadd(_workers_key(ctx), worker_id)
                pipe.expire(_workers_key(ctx), 86400)  # the list goes too where no worker runs any more
                await pipe.execute()
        except UNAVAILABLE as exc:  # the queue is down with Redis anyway; /health says so
            log.warning("worker heartbeat not written: %r", exc)
            # a beat lost to a slow moment is written again soon, not a whole period later: a worker that just
            # started would otherwise be reported missing for ten seconds
            wait = HEARTBEAT_RETRY_S
        await asyncio.sleep(wait)


async def live_workers(ctx: Context) -> int:
    """How many SAQ workers beat within HEARTBEAT_TTL_S (raises what Redis raises when it is down)."""
    assert ctx.redis is not None
    key = _workers_key(ctx)
    ids = sorted(member.decode() if isinstance(member, bytes) else str(member)
                 for member in await ctx.redis.smembers(key))  # type: ignore[misc]  # redis-py types sync|async
    if not ids:
        return 0
    beats = await ctx.redis.mget([ctx.keys("saq-worker", worker_id) for worker_id in ids])
    gone = [worker_id for worker_id, beat in zip(ids, beats, strict=True) if beat is None]
    if gone:  # workers that stopped without saying so (killed, host lost)
        await ctx.redis.srem(key, *gone)  # type: ignore[misc]
    return len(ids) - len(gone)


def make_worker(ctx: Context, *, concurrency: int = 20) -> Worker:
    """A SAQ worker bound to an existing Context (the `zan worker` command and in-process tests)."""
    load_all_handlers()

    async def startup(saq_ctx: dict[str, Any]) -> None:
        saq_ctx["zan"] = ctx
        if ctx.redis is not None:  # always, with the SAQ queue (both need ZAN_REDIS_URL)
            saq_ctx["zan_heartbeat"] = asyncio.create_task(_beat(ctx, str(saq_ctx["worker"].id)),
                                                           name="zan-worker-heartbeat")

    async def shutdown(saq_ctx: dict[str, Any]) -> None:
        beat: asyncio.Task[None] | None = saq_ctx.pop("zan_heartbeat", None)
        if beat is None:
            return
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
        worker_id = str(saq_ctx["worker"].id)
        assert ctx.redis is not None  # the beat ran
        with contextlib.suppress(*UNAVAILABLE):  # gone from /health at once, not only when its key expires
            await ctx.redis.delete(ctx.keys("saq-worker", worker_id))
            await ctx.redis.srem(_workers_key(ctx), worker_id)  # type: ignore[misc]

    return Worker(
        get_queue(ctx),
        functions=[zan_run_task],
        cron_jobs=cron_jobs(),
        concurrency=concurrency,
        startup=startup,
        shutdown=shutdown,
    )
