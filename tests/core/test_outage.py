"""Nothing a citizen submits is lost when Redis or the job queue is down: the report is registered at once and its
background work runs when they return (transactional outbox → SAQ workers on the real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.context import Context, build_context
from backend.jobs.models import OutboxTask
from backend.jobs.saq import make_worker
from backend.reports.models import Report
from tests.conftest import REDIS_URL, _clean_redis, _truncate, make_settings
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, eventually, make_iin

pytestmark = pytest.mark.anyio


@pytest.fixture
async def proxied(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Context, TcpProxy, httpx.AsyncClient]]:
    """The app in production mode (queue = SAQ on Redis), with Redis reached through a proxy we can cut."""
    host, port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy(host, int(port))
    address = await proxy.start()
    settings = make_settings(db_url, tmp_path, redis_url=f"redis://{address}/0", queue="saq", relay_interval_s=0.1)
    ctx = build_context(settings, null_pool=True)
    await _truncate(ctx)
    app = create_app(ctx=ctx)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://zan.test") as http:
        yield ctx, proxy, http
    await ctx.close()
    await proxy.close()
    await _clean_redis(settings.redis_prefix)


async def test_report_survives_redis_outage_and_is_routed_after(
    proxied: tuple[Context, TcpProxy, httpx.AsyncClient],
) -> None:
    ctx, proxy, http = proxied
    from backend.partners.service import create

    async with ctx.sessions() as session:
        partner = await create(session=session, secret_key=ctx.settings.secret_key, name=f"egov-{uuid.uuid4().hex[:6]}")
    citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(3))

    await proxy.cut()  # Redis is now unreachable: no nonce store, no queue
    response = await citizen.submit("Прямо сейчас в подъезде дерутся двое, один с ножом")
    assert response.status_code == 201, response.text
    report_id = uuid.UUID(response.json()["id"])
    # a replay is still detected, through the database fallback (of a request that may change something: reads
    # are not claimed; this one is admitted and finds no such report)
    nothing = f"/api/v1/reports/{uuid.uuid4()}/withdraw"
    headers = citizen.headers("POST", nothing, b"")
    assert (await http.post(nothing, headers=headers)).status_code == 404
    assert (await http.post(nothing, headers=headers)).json()["code"] == "auth.replayed"
    health = (await http.get("/health")).json()
    assert health["status"] == "degraded" and health["redis"]["ok"] is False

    await asyncio.sleep(0.5)  # the relay tries, fails to enqueue, and leaves the task in the outbox
    async with ctx.sessions() as session:
        route_task = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}"))
        assert route_task is not None and route_task.status == "pending" and route_task.attempts == 0
        report = await session.get(Report, report_id)
        assert report is not None and report.routing_state == "pending"

    await proxy.restore()
    worker = make_worker(ctx, concurrency=4)
    worker_task = asyncio.create_task(worker.start())
    try:
        async def routed() -> bool:
            async with ctx.sessions() as session:
                row = await session.get(Report, report_id, populate_existing=True)
                job = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}"))
                return row is not None and row.routing_state == "done" and job is not None and job.status == "done"

        await eventually(routed, timeout=60)
        async with ctx.sessions() as session:
            done = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}"))
            assert done is not None and done.status == "done" and done.attempts == 1
            report = await session.get(Report, report_id)
            assert report is not None and report.status in {"registered", "triage"}
    finally:
        await worker.stop()
        worker_task.cancel()
        # its jobs' cleanup (a cancelled one's rollback) finishes before the test reads on: on SQLite an unfinished
        # one held the one write lock past the busy timeout under load
        await asyncio.gather(worker_task, return_exceptions=True)
