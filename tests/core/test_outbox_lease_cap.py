"""A task whose attempts all end without being settled (it kills its worker, an out-of-memory kill; its worker hangs
past the lease) was handed out again each time its lease ran out, with no cap: attempt 9, 10, … each killing a worker
again, never dead-lettered, never in `zan jobs dead` nor /health's queue.dead. Its last attempt's lease running out
now makes it dead, with the reason, like any other last failure."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.jobs import service
from backend.jobs.models import OutboxTask
from backend.jobs.relay import INPROCESS_LEASE_S, QUEUED_LEASE_S, Relay
from backend.lib.clock import utcnow
from tests.core.factories import make_outbox_task

pytestmark = pytest.mark.anyio


async def _worker_dies_in(ctx: Context, task_id: uuid.UUID, attempt: int) -> None:
    """The attempt is handed out and started, and its worker goes away: nothing settles it, its lease runs out."""
    async with ctx.sessions() as session:
        assert await service.claim(session, task_id, QUEUED_LEASE_S) == attempt
        assert await service.start(session, task_id, attempt, INPROCESS_LEASE_S) is not None
        await session.execute(update(OutboxTask).where(OutboxTask.id == task_id)  # type: ignore[arg-type]
                              .values(locked_until=utcnow() - timedelta(seconds=1)))
        await session.commit()


async def _row(ctx: Context, task_id: uuid.UUID) -> OutboxTask:
    async with ctx.sessions() as session:
        row = await session.get(OutboxTask, task_id, populate_existing=True)
    assert row is not None
    return row


async def test_a_task_whose_every_attempt_kills_its_worker_ends_dead(ctx: Context) -> None:
    task_id = await make_outbox_task(ctx, "lease:poison", max_attempts=2)
    await _worker_dies_in(ctx, task_id, 1)
    await _worker_dies_in(ctx, task_id, 2)  # one below the cap: handed out again, as before
    assert await Relay(ctx).run_once() == 0  # the last attempt's lease ran out: not handed out a third time
    row = await _row(ctx, task_id)
    assert (row.status, row.attempts, row.locked_until) == ("dead", 2, None)
    assert row.last_error is not None and "lease" in row.last_error
    async with ctx.sessions() as session:  # `zan jobs dead` lists it, `zan jobs retry` gives it fresh attempts
        assert [t.id for t in await service.stuck(session)] == [task_id]
        assert await service.retry_dead(session, [task_id]) == 1
        await session.commit()
    assert ((await _row(ctx, task_id)).status, (await _row(ctx, task_id)).attempts) == ("pending", 0)


async def test_a_queued_task_whose_lease_ran_out_keeps_its_attempts(ctx: Context) -> None:
    """Handed out and never started (no worker took it): no attempt spent, handed out again, never dead for it."""
    task_id = await make_outbox_task(ctx, "lease:unstarted", max_attempts=1)
    for _ in range(3):
        async with ctx.sessions() as session:
            assert await service.claim(session, task_id, QUEUED_LEASE_S) == 1
            await session.execute(update(OutboxTask).where(OutboxTask.id == task_id)  # type: ignore[arg-type]
                                  .values(locked_until=utcnow() - timedelta(seconds=1)))
            await session.commit()
    assert (await _row(ctx, task_id)).status == "queued"
