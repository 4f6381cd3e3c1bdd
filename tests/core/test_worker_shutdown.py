"""`docker stop` (SIGTERM) while a worker runs a task: SAQ cancels the jobs it runs at once, and the task they were
running is handed back to the outbox, due now, instead of staying `running` until its lease runs out (two minutes
with nobody working on it). The attempt stays counted (it started, as README says), so the next one has a SAQ job of
its own, whatever SAQ did with the cancelled one."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.registry import HANDLERS, task
from backend.jobs.service import enqueue
from backend.worker import run_worker
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.saq]

BLOCKING = "tests.core.runs_until_stopped"


@pytest.fixture
def blocking_task() -> Iterator[asyncio.Event]:
    """A task that runs until its worker stops it (a long send, a slow model): set when it has started."""
    started = asyncio.Event()

    @task(BLOCKING)
    async def runs_until_stopped(_ctx: Context, _payload: dict[str, Any]) -> None:
        started.set()
        await asyncio.Event().wait()

    yield started
    HANDLERS.pop(BLOCKING, None)




async def _enqueued(ctx: Context) -> uuid.UUID:
    async with ctx.sessions() as session:
        await enqueue(session, BLOCKING, {})
        await session.commit()
        return (await session.scalars(select(col(OutboxTask.id)).where(col(OutboxTask.task) == BLOCKING))).one()


async def _task(ctx: Context, task_id: uuid.UUID) -> OutboxTask:
    async with ctx.sessions() as session:
        row = await session.get(OutboxTask, task_id, populate_existing=True)
        assert row is not None
        return row


async def test_sigterm_hands_the_running_task_back(
    ctx: Context, blocking_task: asyncio.Event, worker: asyncio.Task[None], caplog: pytest.LogCaptureFixture
) -> None:
    task_id = await _enqueued(ctx)
    await asyncio.wait_for(blocking_task.wait(), timeout=30)
    assert (await _task(ctx, task_id)).status == "running"

    with caplog.at_level(logging.WARNING, logger="zan.jobs"):
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(asyncio.shield(worker), timeout=30)
    assert worker.exception() is None

    # back in the outbox (or already handed to the queue again by the relay, before it stopped too)
    row = await _task(ctx, task_id)
    assert row.status in ("pending", "queued") and row.attempts == 1, (row.status, row.attempts)
    assert row.last_error == "interrupted: the worker stopped"
    assert any("interrupted: handed back" in r.getMessage() for r in caplog.records)


async def test_a_worker_started_again_runs_the_handed_back_task(
    ctx: Context, blocking_task: asyncio.Event, worker: asyncio.Task[None]
) -> None:
    task_id = await _enqueued(ctx)
    await asyncio.wait_for(blocking_task.wait(), timeout=30)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(asyncio.shield(worker), timeout=30)

    blocking_task.clear()
    again = asyncio.create_task(run_worker(ctx.settings, concurrency=2))
    try:
        # started again well within the two-minute lease the interrupted attempt held
        await asyncio.wait_for(blocking_task.wait(), timeout=30)

        async def first_attempt() -> bool:
            row = await _task(ctx, task_id)
            return (row.status, row.attempts) == ("running", 2)

        await eventually(first_attempt, timeout=10)
    finally:
        again.cancel()
        await asyncio.gather(again, return_exceptions=True)
