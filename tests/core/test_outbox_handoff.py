"""Handing a task out is not running it: an attempt counts when a worker starts the task, so a queue that nobody
consumed for a while (workers down, a backlog longer than the lease) has not used up the task's attempts, and the
relay handing the task out again each lease adds no copy of its SAQ job."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.jobs import service
from backend.jobs.models import OutboxTask
from backend.jobs.relay import INPROCESS_LEASE_S, QUEUED_LEASE_S, Relay
from backend.lib.clock import utcnow
from tests.core.factories import make_outbox_task
from tests.helpers import eventually

pytestmark = pytest.mark.anyio


async def _task(ctx: Context, task_id: uuid.UUID) -> OutboxTask:
    async with ctx.sessions() as session:
        row = await session.get(OutboxTask, task_id)
    assert row is not None
    return row


async def _lease_runs_out(ctx: Context, task_id: uuid.UUID) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(OutboxTask).where(OutboxTask.id == task_id)  # type: ignore[arg-type]
                              .values(locked_until=utcnow() - timedelta(seconds=1)))
        await session.commit()


async def test_handing_a_task_out_again_spends_no_attempt(ctx: Context) -> None:
    task_id = await make_outbox_task(ctx, "handoff:unstarted")
    for _ in range(8):  # 40 minutes of a queue no worker takes from: each lease runs out, the relay hands it out again
        async with ctx.sessions() as session:
            assert await service.claim(session, task_id, QUEUED_LEASE_S) == 1  # the same attempt every time
        await _lease_runs_out(ctx, task_id)
    row = await _task(ctx, task_id)
    assert (row.status, row.attempts) == ("queued", 0)
    async with ctx.sessions() as session:  # a worker is back: the attempt counts once it starts
        assert await service.claim(session, task_id, QUEUED_LEASE_S) == 1
        assert await service.start(session, task_id, 1, INPROCESS_LEASE_S) is not None
    assert ((await _task(ctx, task_id)).status, (await _task(ctx, task_id)).attempts) == ("running", 1)
    async with ctx.sessions() as session:  # and its first failure is one of eight, not the last
        assert await service.settle(session, task_id, 1, "ConnectionError('fcm')") == "pending"


async def test_a_transport_failure_hands_the_task_back_uncounted(ctx: Context) -> None:
    task_id = await make_outbox_task(ctx, "handoff:transport")
    async with ctx.sessions() as session:
        attempt = await service.claim(session, task_id, QUEUED_LEASE_S)
        assert attempt == 1
        await service.release(session, task_id, attempt, 0.0)
    row = await _task(ctx, task_id)
    assert (row.status, row.attempts, row.locked_until) == ("pending", 0, None)
    async with ctx.sessions() as session:
        assert await service.claim(session, task_id, QUEUED_LEASE_S) == 1


async def test_one_attempt_starts_once_and_a_superseded_one_not_at_all(ctx: Context) -> None:
    task_id = await make_outbox_task(ctx, "handoff:fence")
    async with ctx.sessions() as session:
        assert await service.claim(session, task_id, QUEUED_LEASE_S) == 1
        assert await service.start(session, task_id, 1, INPROCESS_LEASE_S) is not None
        # a second copy of the same attempt (Redis gave it out twice, or the relay's and a late one): not again
        assert await service.start(session, task_id, 1, INPROCESS_LEASE_S) is None
    await _lease_runs_out(ctx, task_id)  # the worker running attempt 1 died: the relay hands out attempt 2
    async with ctx.sessions() as session:
        assert await service.claim(session, task_id, QUEUED_LEASE_S) == 2
        assert await service.start(session, task_id, 1, INPROCESS_LEASE_S) is None
        assert await service.settle(session, task_id, 1, None) == "lost"  # attempt 1 came back after all: too late
        assert await service.start(session, task_id, 2, INPROCESS_LEASE_S) is not None
        assert await service.settle(session, task_id, 2, None) == "done"
    row = await _task(ctx, task_id)
    assert (row.status, row.attempts) == ("done", 2)


async def test_the_last_attempt_still_dead_letters_a_failing_task(ctx: Context) -> None:
    task_id = await make_outbox_task(ctx, "handoff:dead", max_attempts=2)
    outcomes = []
    for _ in range(2):
        async with ctx.sessions() as session:
            await session.execute(update(OutboxTask).where(OutboxTask.id == task_id)  # type: ignore[arg-type]
                                  .values(next_attempt_at=utcnow()))
            await session.commit()
            attempt = await service.claim(session, task_id, INPROCESS_LEASE_S)
            assert attempt is not None and await service.start(session, task_id, attempt, INPROCESS_LEASE_S)
            outcomes.append(await service.settle(session, task_id, attempt, "ConnectionError('fcm')"))
    assert outcomes == ["pending", "dead"]


@pytest.fixture
async def saq_jobs(ctx: Context) -> AsyncIterator[Context]:
    """`ctx` in SAQ mode; afterwards the test's SAQ job records go too (their ids do not carry the key prefix)."""
    yield ctx
    from backend.jobs.saq import get_queue

    queue = get_queue(ctx)
    keys = [key async for key in queue.redis.scan_iter(match=f"saq:job:{queue.name}:*", count=500)]
    if keys:
        await queue.redis.delete(*keys)


@pytest.mark.redis
@pytest.mark.saq
async def test_a_task_waiting_for_workers_keeps_its_attempts_and_one_saq_job(saq_jobs: Context) -> None:
    from backend.jobs.saq import get_queue, make_worker

    ctx = saq_jobs
    task_id = await make_outbox_task(ctx, "handoff:saq")
    relay = Relay(ctx)
    assert await relay.run_once() == 1  # handed to SAQ; no worker runs
    for _ in range(3):  # the workers stay away past the queued lease, three times
        await _lease_runs_out(ctx, task_id)
        assert await relay.run_once() == 1  # handed out again
    queue = get_queue(ctx)
    assert await queue.count("queued") == 1  # one job in Redis, not one per lease
    row = await _task(ctx, task_id)
    assert (row.status, row.attempts) == ("queued", 0)

    worker = make_worker(ctx, concurrency=2)
    running = asyncio.create_task(worker.start())
    try:
        async def done() -> bool:
            return (await _task(ctx, task_id)).status == "done"

        await eventually(done, timeout=30)
    finally:
        await worker.stop()
        running.cancel()
    assert (await _task(ctx, task_id)).attempts == 1  # ran once, on its first attempt
