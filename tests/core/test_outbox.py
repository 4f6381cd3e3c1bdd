"""The outbox's deduplication: one live task per key, whoever asks, in one transaction or in racing ones."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.service import enqueue

pytestmark = pytest.mark.anyio


async def _tasks(ctx: Context, key: str) -> list[OutboxTask]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxTask).where(OutboxTask.dedupe_key == key)))


async def test_a_key_schedules_its_task_once_and_the_transaction_goes_on(ctx: Context) -> None:
    async with ctx.sessions() as session:
        assert await enqueue(session, "notifications.deliver", {"n": 1}, dedupe_key="deliver:a", max_attempts=3)
        assert not await enqueue(session, "notifications.deliver", {"n": 2}, dedupe_key="deliver:a")
        assert await enqueue(session, "notifications.deliver", {"n": 3})  # no key: never deduplicated
        await session.commit()  # a refused duplicate leaves the transaction usable (no failed statement in it)
    [task] = await _tasks(ctx, "deliver:a")
    assert (task.payload, task.status, task.attempts, task.max_attempts) == ({"n": 1}, "pending", 0, 3)
    assert task.created_at is not None and task.next_attempt_at is not None
    async with ctx.sessions() as session:
        assert not await enqueue(session, "notifications.deliver", {"n": 4}, dedupe_key="deliver:a")
        assert await session.scalar(select(func.count()).select_from(OutboxTask)) == 2


async def test_racing_transactions_schedule_one_task(ctx: Context) -> None:
    async def one(n: int) -> bool:
        async with ctx.sessions() as session:
            first = await enqueue(session, "reports.offer_urgent", {"n": n}, dedupe_key="offer:race")
            await session.commit()
            return first

    results = await asyncio.gather(*(one(n) for n in range(6)), return_exceptions=True)
    assert all(isinstance(result, bool) for result in results), results
    assert len(await _tasks(ctx, "offer:race")) == 1
    assert sum(1 for result in results if result) == 1  # the others waited for the winner, then found its row
