"""A crew's step from a tablet on an incident's primary is taken on the members its unit holds too (one job): a
"resolved" closes them. The console's closing of a primary writes a `report.close.*` line on every report it closed;
the tablet's step wrote its `report.<step>` line on the primary only, so a member's history showed it closed by an
officer and no audit line said from which tablet or login session."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.reports.service import SYSTEM, regroup
from backend.reports.workflow import Status
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report

pytestmark = pytest.mark.anyio


async def _steps(ctx: Context, report_id: uuid.UUID) -> list[tuple[str, str | None, str | None]]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(AuditLog).where(
            AuditLog.target_type == "report", AuditLog.target_id == str(report_id),  # type: ignore[arg-type]
            AuditLog.action.in_(["report.en_route", "report.on_scene", "report.resolve"]))  # type: ignore[attr-defined]
            .order_by(AuditLog.at, AuditLog.id))  # type: ignore[arg-type]
        return [(r.action, r.actor_id, r.device_id) for r in rows]


async def test_a_crews_steps_on_a_primary_are_audit_lines_on_the_members_they_move(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx)
    primary, member = await assigned_report(ctx, unit), await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        rows = [await session.get(Report, r.id) for r in (primary, member)]
        await regroup(session, [r for r in rows if r is not None], SYSTEM, prefer=rows[0])
        await session.commit()
    officer, password = await make_officer(ctx, unit=unit)
    headers = bearer(await login(app_client, officer.badge_number, password, "tab-crew"))
    for n, fields in enumerate(({"status": "en_route"}, {"status": "resolved", "outcome": "warning"})):
        step = {"mutation_id": uuid.uuid4().hex, "entity": "reports", "id": str(primary.id), "op": "update",
                "hlc": f"{int(utcnow().timestamp() * 1000):013d}-{n:05d}-tab-crew", "fields": fields}
        answer = await app_client.post("/api/v1/sync/push", headers=headers,
                                       json={"device_id": "tab-crew", "mutations": [step]})
        assert answer.json()["results"][0]["status"] == "applied", answer.text
    async with ctx.sessions() as session:
        closed = await session.get(Report, member.id)
        assert closed is not None and closed.status == Status.CLOSED.value  # it followed the primary
    expected = [("report.en_route", str(officer.id), "tab-crew"), ("report.resolve", str(officer.id), "tab-crew")]
    assert await _steps(ctx, primary.id) == expected
    assert await _steps(ctx, member.id) == expected
