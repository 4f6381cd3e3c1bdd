"""Redis cut in the middle of a citizen's request: after its signature was claimed in Redis, before the report is
written and its work handed to the queue. The report is registered (201), its routing waits in the outbox while
Redis is away, and runs once when Redis is back.

The request is held inside its registration by a row lock the test keeps on the year's number counter (PostgreSQL),
Redis is cut through the loopback proxy while it waits there, then the lock is let go: no sleeps, no patched code."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.saq import make_worker
from backend.partners.service import create
from backend.reports.models import Report
from tests.core.test_outage import proxied  # noqa: F401  (fixture: the app on SAQ, Redis behind a TcpProxy)
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, eventually, make_iin, until_lock_waiters

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


async def _route_task(ctx: Context, report_id: uuid.UUID) -> OutboxTask | None:
    async with ctx.sessions() as session:
        task: OutboxTask | None = await session.scalar(
            select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}"))  # type: ignore[arg-type]
    return task


async def test_redis_cut_after_the_signature_check_loses_nothing(
        proxied: tuple[Context, TcpProxy, httpx.AsyncClient]) -> None:  # noqa: F811
    ctx, proxy, http = proxied
    async with ctx.sessions() as session:
        partner = await create(session=session, secret_key=ctx.settings.secret_key,
                               name=f"kaspi-{uuid.uuid4().hex[:6]}")
    citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(4))
    assert (await citizen.submit("Сосед шумит по ночам, Кенесары 40")).status_code == 201  # the counter row exists

    holder = await asyncpg.connect(ctx.settings.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("SELECT value FROM report_counters FOR UPDATE")
        pending = asyncio.ensure_future(citizen.submit("Во дворе дома на Кенесары 40 разбили окно машины"))
        await until_lock_waiters(ctx, 1)  # admitted through Redis, now writing the report
        await proxy.cut()
        await tx.rollback()
    finally:
        await holder.close()
    response = await pending
    assert response.status_code == 201, response.text
    report_id = uuid.UUID(response.json()["id"])

    async def handed_back() -> bool:  # the app's relay could not hand it to the queue: back in the outbox
        task = await _route_task(ctx, report_id)
        assert task is not None and task.attempts == 0  # no attempt spent on a queue that is not there
        return task.status == "pending" and task.updated_at > task.created_at

    await eventually(handed_back, timeout=30)

    await proxy.restore()
    worker = make_worker(ctx, concurrency=2)
    running = asyncio.create_task(worker.start())
    try:
        async def routed() -> bool:
            task = await _route_task(ctx, report_id)
            return task is not None and task.status == "done"

        await eventually(routed, timeout=60)
    finally:
        await worker.stop()
        running.cancel()
    task = await _route_task(ctx, report_id)
    assert task is not None and task.attempts == 1
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.routing_state == "done"
