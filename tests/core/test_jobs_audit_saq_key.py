"""A task that asks to wait (RetryLater) is handed out again under the same attempt number, so its next SAQ job has
the same key as the one that just ran. Between the task settling and SAQ finishing that job (a Redis round trip
later) SAQ still holds the key and refuses the new job without an error: the relay took the refusal for a job
handed to the queue, and the task sat `queued` with nothing in Redis to run it until its lease ran out, five
minutes later (a delivery retry, a push to a duty officer, late by five minutes)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from saq.job import Status
from saq.queue.redis import RedisQueue
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.jobs import service
from backend.jobs.models import OutboxTask
from backend.jobs.registry import HANDLERS, RetryLater, task
from backend.jobs.relay import Relay, execute
from backend.jobs.saq import get_queue, job_key, make_worker
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.saq]

WAITS_ONCE = "tests.core.jobs_audit_waits_once"


@pytest.fixture
def waits_once() -> Iterator[list[str]]:
    """A task that asks to run again at once the first time (a delivery due again in 50 ms), then succeeds."""
    runs: list[str] = []

    @task(WAITS_ONCE)
    async def handler(_ctx: Context, _payload: dict[str, Any]) -> None:
        runs.append("run")
        if len(runs) == 1:
            raise RetryLater("deliveries waiting", 0.0)

    yield runs
    HANDLERS.pop(WAITS_ONCE, None)


@pytest.fixture
async def saq_jobs(ctx: Context) -> AsyncIterator[Context]:
    yield ctx
    queue = get_queue(ctx)
    assert isinstance(queue, RedisQueue)
    keys = [key async for key in queue.redis.scan_iter(match=f"saq:job:{queue.name}:*", count=500)]
    if keys:
        await queue.redis.delete(*keys)


async def _row(ctx: Context, task_id: uuid.UUID) -> OutboxTask:
    async with ctx.sessions() as session:
        row = await session.get(OutboxTask, task_id, populate_existing=True)
        assert row is not None
        return row


async def test_a_task_due_again_while_its_saq_job_ends_is_run_again(saq_jobs: Context,
                                                                     waits_once: list[str]) -> None:
    ctx = saq_jobs
    async with ctx.sessions() as session:
        await service.enqueue(session, WAITS_ONCE, {}, dedupe_key="audit:waits-once")
        await session.commit()
    relay = Relay(ctx)
    assert await relay.run_once() == 1
    task_id = await _only_task(ctx)
    queue = get_queue(ctx)
    # a SAQ worker's part, step by step: it takes the job, runs it (zan_run_task → execute) …
    job = await queue.dequeue(timeout=5)
    assert job is not None and job.key == job_key(task_id, 1)
    await job.update(status=Status.ACTIVE)
    assert await execute(ctx, task_id, 1) == "pending"  # RetryLater: due again now, the same attempt number
    # … and, before it has told Redis the job ended, the relay hands the task out again
    await relay.run_once()
    await job.finish(Status.COMPLETE, result="pending")

    worker = make_worker(ctx, concurrency=2)
    running = asyncio.create_task(worker.start())
    relay.start()
    try:
        async def done() -> bool:
            return (await _row(ctx, task_id)).status == "done"

        # the relay's queued lease is five minutes: well within it
        await eventually(done, timeout=20)
    finally:
        await relay.stop()
        await worker.stop()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert waits_once == ["run", "run"]


async def _only_task(ctx: Context) -> uuid.UUID:
    async with ctx.sessions() as session:
        return (await session.scalars(select(col(OutboxTask.id)))).one()
