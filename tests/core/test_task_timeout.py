"""A task SAQ cuts off at its job timeout is a failed attempt, not a worker stopping: it was handed back to the outbox
as pending, due at once and never counted as failed, so a task that always hangs ran again forever and was never
dead-lettered. A SIGTERM still hands the task back at once (tests/core/test_worker_shutdown.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import Context
from backend.jobs import service
from backend.jobs.models import OutboxTask
from backend.jobs.registry import HANDLERS, task
from backend.jobs.saq import ZanWorker, get_queue, job_key, make_worker
from backend.lib.clock import utcnow
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.saq]

HANGS = "tests.core.hangs_past_its_timeout"
SAQ_TIMEOUT_S = 1  # the job's own timeout, as the relay sets it (TASK_TIMEOUT_S + 5) but short enough to wait out


@pytest.fixture
def hanging_task() -> Iterator[None]:
    """A task that never ends (a dead connection, a cleanup that outlasts cancellation)."""

    @task(HANGS)
    async def hangs(_ctx: Context, _payload: dict[str, Any]) -> None:
        await asyncio.Event().wait()

    yield
    HANDLERS.pop(HANGS, None)


@pytest.fixture
async def consumer(ctx: Context) -> AsyncIterator[ZanWorker]:
    """`zan worker`'s SAQ consumer without its relay: the test hands out the attempts, each with a short job timeout."""
    worker = make_worker(ctx, concurrency=2)
    running = asyncio.create_task(worker.start())
    yield worker
    await worker.stop()
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)


async def _row(ctx: Context, task_id: uuid.UUID) -> OutboxTask:
    async with ctx.sessions() as session:
        row = await session.get(OutboxTask, task_id, populate_existing=True)
        assert row is not None
        return row


async def _run_next_attempt(ctx: Context, task_id: uuid.UUID) -> None:
    """What the relay does, with SAQ's job timeout at SAQ_TIMEOUT_S: due now, handed out, enqueued."""
    async with ctx.sessions() as session:
        await session.execute(update(OutboxTask).where(col(OutboxTask.id) == task_id).values(next_attempt_at=utcnow()))
        await session.commit()
        attempt = await service.claim(session, task_id, 300.0)
    assert attempt is not None
    await get_queue(ctx).enqueue(
        "zan_run_task",
        task_id=str(task_id),
        attempt=attempt,
        key=job_key(task_id, attempt),
        timeout=SAQ_TIMEOUT_S,
        retries=1,
    )

    async def settled() -> bool:
        row = await _row(ctx, task_id)
        return row.attempts == attempt and row.status in ("pending", "dead")

    await eventually(settled, timeout=30)


async def test_a_task_that_always_hangs_is_dead_lettered_after_its_attempts(
    ctx: Context, hanging_task: None, consumer: ZanWorker
) -> None:
    async with ctx.sessions() as session:
        # not due: only the test hands it out
        await service.enqueue(session, HANGS, {}, max_attempts=2, run_at=utcnow().replace(year=2100))
        await session.commit()
        task_id = (await session.scalars(select(col(OutboxTask.id)).where(col(OutboxTask.task) == HANGS))).one()

    await _run_next_attempt(ctx, task_id)
    row = await _row(ctx, task_id)
    # a failed attempt, waiting its backoff like any other (was: "interrupted: the worker stopped", due at once)
    assert (row.status, row.attempts) == ("pending", 1)
    assert (row.last_error or "").startswith("timed out"), row.last_error
    assert row.next_attempt_at > row.updated_at

    await _run_next_attempt(ctx, task_id)
    row = await _row(ctx, task_id)
    assert (row.status, row.attempts) == ("dead", 2), (row.status, row.attempts, row.last_error)
    assert (row.last_error or "").startswith("timed out"), row.last_error
    assert not consumer.stopping()  # the worker went on all along: nothing here was a shutdown
