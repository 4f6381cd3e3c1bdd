"""SAQ transport for outbox tasks (production mode with Redis).

The outbox stays the record of truth: a SAQ job only carries (task id, attempt). If Redis loses the job, the
task's lease expires and the relay hands it out again; the attempt number makes a late duplicate harmless.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from saq import CronJob, Queue, Worker

from backend.jobs.registry import load_all_handlers
from backend.jobs.relay import TASK_TIMEOUT_S, execute

if TYPE_CHECKING:
    from backend.context import Context


def get_queue(ctx: Context) -> Queue:
    queue: Queue | None = ctx.extras.get("saq_queue")
    if queue is None:
        assert ctx.settings.redis_url, "the SAQ queue needs ZAN_REDIS_URL"
        queue = Queue.from_url(ctx.settings.redis_url, name=f"{ctx.settings.redis_prefix}-jobs")
        ctx.extras["saq_queue"] = queue
        ctx.extras.setdefault("_closers", []).append(queue.disconnect)
    return queue


async def enqueue_attempt(ctx: Context, task_id: uuid.UUID, attempt: int) -> None:
    await get_queue(ctx).enqueue(
        "zan_run_task",
        task_id=str(task_id),
        attempt=attempt,
        key=f"outbox:{task_id}:{attempt}",
        timeout=int(TASK_TIMEOUT_S) + 5,
        retries=1,  # SAQ counts attempts; retries belong to the outbox, which survives Redis restarts
    )


async def zan_run_task(saq_ctx: dict[str, Any], *, task_id: str, attempt: int) -> str:
    ctx: Context = saq_ctx["zan"]
    return await execute(ctx, uuid.UUID(task_id), attempt)


async def zan_cron(saq_ctx: dict[str, Any]) -> None:
    """Periodic housekeeping and SLA checks, registered by domains as outbox-free scheduled work."""
    from backend.jobs.scheduled import run_scheduled

    await run_scheduled(saq_ctx["zan"])


def make_worker(ctx: Context, *, concurrency: int = 20) -> Worker:
    """A SAQ worker bound to an existing Context (the `zan worker` command and in-process tests)."""
    load_all_handlers()

    async def startup(saq_ctx: dict[str, Any]) -> None:
        saq_ctx["zan"] = ctx

    return Worker(
        get_queue(ctx),
        functions=[zan_run_task],
        cron_jobs=[CronJob(zan_cron, cron="* * * * *")],
        concurrency=concurrency,
        startup=startup,
    )
