"""The outbox's deduplication: one live task per key, whoever asks, in one transaction or in racing ones."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.service import enqueue
from backend.lib.clock import utcnow

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


async def test_waiting_out_a_missing_model_spends_no_attempt(ctx: Context, tmp_path: Path) -> None:
    """RetryLater is a wait, not a failure: routing that waits for a router model to be deployed must not be
    dead-lettered after max_attempts waits (8 x 5 min), or the report is never classified once the model is back."""
    from backend.jobs import service
    from backend.jobs.relay import INPROCESS_LEASE_S, execute
    from tests.core.factories import make_report

    empty = tmp_path / "no-router-model"
    empty.mkdir()
    ctx.settings = ctx.settings.with_(router_model_dir=str(empty), enable_routing=True)
    ctx.extras.pop("router", None)
    async with ctx.sessions() as session:
        report = await make_report(session)
        await enqueue(session, "reports.route", {"report_id": str(report.id)}, dedupe_key="route:wait", max_attempts=2)
        await session.commit()
    [task] = await _tasks(ctx, "route:wait")
    for _ in range(4):  # twice max_attempts
        async with ctx.sessions() as session:
            await session.execute(update(OutboxTask).where(OutboxTask.id == task.id)  # type: ignore[arg-type]
                                  .values(next_attempt_at=utcnow()))
            await session.commit()
            attempt = await service.claim(session, task.id, INPROCESS_LEASE_S)
        assert attempt == 1
        assert await execute(ctx, task.id, attempt) == "pending"
    [task] = await _tasks(ctx, "route:wait")
    assert (task.status, task.attempts) == ("pending", 0) and "unavailable" in (task.last_error or "")
