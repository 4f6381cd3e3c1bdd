"""SAQ transport for outbox tasks (production mode with Redis).

The outbox stays the record of truth: a SAQ job only carries (task id, attempt). If Redis loses the job, the
task's lease expires and the relay hands it out again; the attempt number makes a late duplicate harmless.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from saq import CronJob, Queue, Status, Worker
from saq.queue.redis import RedisQueue

from backend.health.workers import SAQ_POLL_S, Progress, beat_forever, forget
from backend.jobs.registry import load_all_handlers
from backend.jobs.relay import TASK_TIMEOUT_S, Relay, execute
from backend.jobs.scheduled import MAIN, SEAL
from backend.lib.clock import utcnow
from backend.lib.redis import make_queue_redis
from backend.lib.tasks import stop_task

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


def get_queue(ctx: Context) -> Queue:
    queue: Queue | None = ctx.extras.get("saq_queue")
    if queue is None:
        assert ctx.settings.redis_url, "the SAQ queue needs ZAN_REDIS_URL"
        # not Queue.from_url: its client has no socket timeout, and a Redis that takes the connection and never
        # answers held the dequeue, the cron's scheduling and the relay's hand-out for ever (lib/redis.py)
        queue = RedisQueue(make_queue_redis(ctx.settings.redis_url, blocking_s=SAQ_POLL_S),
                           name=f"{ctx.settings.redis_prefix}-jobs")
        ctx.extras["saq_queue"] = queue
        ctx.extras.setdefault("_closers", []).append(queue.disconnect)
    return queue


def job_key(task_id: uuid.UUID, attempt: int) -> str:
    return f"outbox:{task_id}:{attempt}"


async def enqueue_attempt(ctx: Context, task_id: uuid.UUID, attempt: int) -> bool:
    """Hand the attempt to SAQ. False when no job of it is left waiting in the queue: the caller hands the task back
    to the outbox, to be handed out again shortly."""
    # an attempt handed out again (its lease ran out before a worker started it) has the same key: while its first
    # job still waits in Redis SAQ refuses the copy, so a queue without workers does not gain a copy per lease
    queue = get_queue(ctx)
    key = job_key(task_id, attempt)
    enqueued = await queue.enqueue(
        "zan_run_task",
        task_id=str(task_id),
        attempt=attempt,
        key=key,
        timeout=int(TASK_TIMEOUT_S) + 5,
        retries=1,  # SAQ counts attempts; retries belong to the outbox, which survives Redis restarts
    )
    if enqueued is not None:
        return True
    # SAQ also refuses the key while a job of it is running or ending: a task that asked to wait (RetryLater) keeps
    # its attempt number, and is due again (a delivery 50 ms later) before SAQ has finished the job that raised it.
    # Taken for a job in the queue, the task sat `queued` with nothing to run it until its lease ran out (5 min)
    existing = await queue.job(key)
    return existing is not None and existing.status in (Status.NEW, Status.QUEUED)


async def zan_run_task(saq_ctx: dict[str, Any], *, task_id: str, attempt: int) -> str:
    ctx: Context = saq_ctx["zan"]
    worker: ZanWorker = saq_ctx["worker"]
    # SAQ cancels a running job for two reasons: its worker stopping (SIGTERM), and the job's timeout (set in
    # enqueue_attempt). Only the worker can tell them apart: the first hands the task back, the second is a failure
    return await execute(ctx, uuid.UUID(task_id), attempt, stopping=worker.stopping)


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
# Each `zan worker` process writes a heartbeat row to the database (backend/health/workers.py): when it last beat,
# when its relay last finished a pass, and when its SAQ consumer last showed progress, which this worker records.
class ZanWorker(Worker):
    """SAQ's worker, recording when its consumer last made progress (`active_at`): a dequeue that returned, with a
    job or empty-handed after SAQ_POLL_S, or a job that ended. A consumer blocked on a connection Redis no longer
    answers, or whose slots all hang, stops moving it; a worker that is merely idle keeps moving it."""

    active_at: datetime | None = None

    def stopping(self) -> bool:
        """Is this worker stopping? SAQ sets its event on SIGINT/SIGTERM and in stop(), before it cancels the jobs
        it runs; a job's timeout leaves it unset."""
        return self.event.is_set()

    async def process(self) -> bool:
        took = await super().process()
        # False: the dequeue timed out with nothing to do (or was cancelled by stop(), which sets the event first).
        # True without a job is a dequeue that failed (Redis down): no progress, SAQ has logged it
        if not took and not self.event.is_set():
            self.active_at = utcnow()
        return took


def _progress(worker: ZanWorker, relay: Relay | None) -> Progress:
    return Progress(relay_at=relay.last_pass_at if relay is not None else None, saq_at=worker.active_at,
                    saq_running=len(worker.job_task_contexts), saq_concurrency=worker.concurrency)


def make_worker(ctx: Context, *, concurrency: int = 20, relay: Relay | None = None) -> ZanWorker:
    """A SAQ worker bound to an existing Context (the `zan worker` command and in-process tests). While it runs it
    keeps this process's heartbeat row (backend/health/workers.py), with `relay`'s passes when the process runs
    one."""
    load_all_handlers()

    async def progressed(_saq_ctx: dict[str, Any]) -> None:  # a job taken, a job ended
        made.active_at = utcnow()

    async def startup(saq_ctx: dict[str, Any]) -> None:
        saq_ctx["zan"] = ctx
        # its start until the first dequeue returns: a consumer stuck from the outset shows too
        made.active_at = utcnow()
        saq_ctx["zan_heartbeat"] = asyncio.create_task(beat_forever(ctx, lambda: _progress(made, relay)),
                                                       name="zan-worker-heartbeat")

    async def shutdown(saq_ctx: dict[str, Any]) -> None:
        beat: asyncio.Task[None] | None = saq_ctx.pop("zan_heartbeat", None)
        if beat is None:
            return
        await stop_task(beat)
        await forget(ctx)  # gone from /health at once, not only once its beat is old

    made = ZanWorker(
        get_queue(ctx),
        functions=[zan_run_task],
        cron_jobs=cron_jobs(),
        concurrency=concurrency,
        startup=startup,
        shutdown=shutdown,
        before_process=progressed,
        after_process=progressed,
        # SAQ's default (0) blocks in the dequeue until a job comes: an idle consumer would never say it is alive
        dequeue_timeout=SAQ_POLL_S,
    )
    return made
