"""/health's queue in production mode: Redis answering says nothing of the SAQ workers. With none running, or none
taking work, tasks wait in the queue; the health check must say so (degraded), not report the queue as fine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from saq import Worker

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.lib.clock import utcnow
from tests.helpers import eventually

pytestmark = pytest.mark.anyio


async def _health(http: httpx.AsyncClient) -> dict[str, Any]:
    got = await http.get("/health")
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


@pytest.fixture
async def worker(ctx: Context) -> AsyncIterator[Worker]:
    """A `zan worker`'s SAQ worker in this process (started by the test)."""
    from backend.jobs.saq import make_worker

    made = make_worker(ctx, concurrency=2)
    yield made
    await made.stop()


@pytest.mark.redis
@pytest.mark.saq
async def test_health_reports_the_queue_down_while_no_worker_runs(ctx: Context, app_client: httpx.AsyncClient,
                                                                    worker: Worker) -> None:
    before = await _health(app_client)
    assert before["redis"]["ok"] is True  # Redis answers...
    assert before["queue"]["ok"] is False and before["status"] == "degraded"  # ...but nobody consumes
    assert before["queue"]["workers"] == 0

    running = asyncio.create_task(worker.start())
    try:
        async def consumed() -> bool:
            return (await _health(app_client))["queue"]["workers"] == 1

        await eventually(consumed, timeout=30)
        up = await _health(app_client)
        assert up["queue"]["ok"] is True and up["status"] == "ok", up
    finally:
        await worker.stop()
        running.cancel()
    gone = await _health(app_client)  # a worker that stops says so at once
    assert gone["queue"]["workers"] == 0 and gone["status"] == "degraded"


@pytest.mark.redis
@pytest.mark.saq
async def test_health_reports_tasks_no_worker_takes(ctx: Context, app_client: httpx.AsyncClient,
                                                    worker: Worker) -> None:
    running = asyncio.create_task(worker.start())
    try:
        async def alive() -> bool:
            return (await _health(app_client))["queue"]["workers"] == 1

        await eventually(alive, timeout=30)
        # a task handed to the queue ten minutes after it was due and not started since: the workers beat, but
        # are stuck or far behind
        async with ctx.sessions() as session:
            session.add(OutboxTask(task="notifications.deliver", payload={"event_key": "stuck"}, status="queued",
                                   next_attempt_at=utcnow() - timedelta(minutes=10),
                                   locked_until=utcnow() + timedelta(minutes=10)))
            await session.commit()
        behind = await _health(app_client)
        assert behind["queue"]["workers"] == 1 and behind["queue"]["waiting_s"] >= 600
        assert behind["queue"]["ok"] is False and behind["status"] == "degraded"
    finally:
        await worker.stop()
        running.cancel()


async def test_embedded_health_runs_its_own_queue(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Without SAQ the API process runs the tasks itself: there are no workers to ask about."""
    body = await _health(app_client)
    assert body["queue"]["mode"] == "inprocess" and "workers" not in body["queue"]
    assert body["queue"]["ok"] is True and body["queue"]["waiting_s"] == 0
