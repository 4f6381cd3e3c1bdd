"""PostgreSQL connections killed mid-transaction (`pg_terminate_backend`: a failover, an admin, the OOM killer)
while a citizen's request is being written: the answer is a clear problem+json that changed nothing, and the same
request retried (re-signed, the same Idempotency-Key) is stored exactly once.

The request is held at a row lock another connection keeps (no sleeps, no patched code), and its backend is
terminated while it waits there, in the middle of its transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.partners.service import create
from backend.reports.models import Report, ReportEvent
from tests.conftest import _truncate, make_settings
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, make_iin, serving

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


def _dsn(ctx: Context) -> str:
    return ctx.settings.database_url.replace("postgresql+asyncpg://", "postgresql://")


class Blocker:
    """Two connections of the test's own: one holds a row lock, the other (outside that transaction, whose
    pg_stat_activity would be a snapshot) finds and terminates the backend waiting on it."""

    def __init__(self, holder: asyncpg.Connection, killer: asyncpg.Connection) -> None:
        self.holder, self.killer = holder, killer

    async def _kill_the_waiter(self) -> None:
        for _ in range(500):
            pids = await self.killer.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND pid <> $1", self.holder.get_server_pid())
            if pids:
                for row in pids:
                    await self.killer.execute("SELECT pg_terminate_backend($1)", row["pid"])
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the request never reached the lock")

    async def killed_while_held(self, lock_sql: str, args: tuple[Any, ...], request: Any) -> httpx.Response:
        """Run `request` while `lock_sql`'s row lock is held; kill the request's backend at the lock; let go."""
        tx = self.holder.transaction()
        await tx.start()
        await self.holder.execute(lock_sql, *args)
        pending = asyncio.ensure_future(request)
        try:
            await self._kill_the_waiter()
        finally:
            await tx.rollback()
        return await pending


@pytest.fixture
async def blocker(ctx: Context) -> AsyncIterator[Blocker]:
    holder, killer = await asyncpg.connect(_dsn(ctx)), await asyncpg.connect(_dsn(ctx))
    try:
        yield Blocker(holder, killer)
    finally:
        await holder.close()
        await killer.close()


def _assert_clear_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "database.unavailable"
    assert int(response.headers["Retry-After"]) >= 1


async def _count(ctx: Context, model: Any, *where: Any) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_registration_killed_mid_transaction_changes_nothing_and_its_retry_registers_once(
        ctx: Context, citizen: PartnerClient, blocker: Blocker) -> None:
    first = await citizen.submit("Сосед шумит по ночам, Кенесары 40")  # the year's counter row exists now
    assert first.status_code == 201, first.text
    key = str(uuid.uuid4())
    text = "Во дворе дома на Кенесары 40 разбили окно машины"
    killed = await blocker.killed_while_held("SELECT value FROM report_counters FOR UPDATE", (),
                                      citizen.submit(text, key=key))
    _assert_clear_503(killed)
    assert await _count(ctx, Report) == 1  # nothing of the killed registration was kept

    retried = await citizen.submit(text, key=key)
    assert retried.status_code == 201, retried.text
    again = await citizen.submit(text, key=key)  # and the key still answers the one report
    assert again.status_code == 201 and again.json()["id"] == retried.json()["id"]
    assert await _count(ctx, Report) == 2


async def test_a_comment_killed_mid_transaction_changes_nothing_and_its_retry_is_kept_once(
        ctx: Context, citizen: PartnerClient, blocker: Blocker) -> None:
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    report_id = uuid.UUID(created.json()["id"])
    path, key = f"/api/v1/reports/{report_id}/comments", str(uuid.uuid4())
    body = {"text": "Это было около 18:00, машина серая"}
    before = await _count(ctx, ReportEvent, ReportEvent.report_id == report_id)  # type: ignore[arg-type]
    killed = await blocker.killed_while_held("SELECT 1 FROM reports WHERE id = $1 FOR UPDATE", (report_id,),
                                      citizen.post(path, body, headers={"Idempotency-Key": key}))
    _assert_clear_503(killed)
    assert await _count(ctx, ReportEvent, ReportEvent.report_id == report_id) == before  # type: ignore[arg-type]

    retried = await citizen.post(path, body, headers={"Idempotency-Key": key})
    assert retried.status_code in (200, 201), retried.text
    again = await citizen.post(path, body, headers={"Idempotency-Key": key})
    assert again.status_code == retried.status_code and again.json() == retried.json()
    assert await _count(ctx, ReportEvent, ReportEvent.report_id == report_id) == before + 1  # type: ignore[arg-type]


async def test_a_withdrawal_killed_mid_transaction_changes_nothing_and_its_retry_withdraws(
        ctx: Context, citizen: PartnerClient, blocker: Blocker) -> None:
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    report_id = uuid.UUID(created.json()["id"])
    path = f"/api/v1/reports/{report_id}/withdraw"
    killed = await blocker.killed_while_held("SELECT 1 FROM reports WHERE id = $1 FOR UPDATE", (report_id,),
                                      citizen.post(path, {"reason": "Нашёлся"}))
    _assert_clear_503(killed)
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.status != "closed"

    retried = await citizen.post(path, {"reason": "Нашёлся"})
    assert retried.status_code == 200, retried.text
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.status == "closed" and report.resolution == "withdrawn"


async def test_a_database_that_refuses_connections_answers_503_and_the_request_goes_through_after(
        pg_url: str, tmp_path: Path) -> None:
    # PostgreSQL down (restarting, failing over): every connection is refused. The citizen's app must hear "send it
    # again shortly", not "internal error" (which said, wrongly, that what they sent was kept)
    host, port = "127.0.0.1", 5432
    proxy = TcpProxy(host, port)
    address = await proxy.start()
    url = pg_url.replace(f"{host}:{port}", address)
    try:
        async with serving(make_settings(url, tmp_path, enable_relay=False)) as (ctx, http):
            await _truncate(ctx)
            async with ctx.sessions() as session:
                partner = await create(session=session, secret_key=ctx.settings.secret_key, name="egov-down")
            citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(5))
            key = str(uuid.uuid4())
            await proxy.cut()
            _assert_clear_503(await citizen.submit(key=key))
            await proxy.restore()
            stored = await citizen.submit(key=key)
            assert stored.status_code == 201, stored.text
            assert await _count(ctx, Report) == 1
    finally:
        await proxy.close()
