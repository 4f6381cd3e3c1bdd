"""A report reclassified into a restricted category its unit is not designated for leaves that unit
(backend.dispatch.service.release_if_not_designated). Every other change of who holds a report is an audit line
(`report.assign`, a closing's `report.close.*`), naming the tablet and session of the officer who caused it; this one
wrote only an internal event, so the audit trail showed a unit assigned and never let go of a domestic-violence
report, and who took it away from the crew."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.reports.models import Report
from backend.reports.service import SYSTEM
from backend.routing.corrections import leave_what_restriction_forbids
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report

pytestmark = pytest.mark.anyio


async def _lines(ctx: Context, report_id: uuid.UUID, action: str) -> list[AuditLog]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(AuditLog).where(
            AuditLog.target_type == "report", AuditLog.target_id == str(report_id),  # type: ignore[arg-type]
            AuditLog.action == action).order_by(AuditLog.at)))  # type: ignore[arg-type]


async def test_a_dispatchers_reclassification_that_takes_the_report_from_its_unit_is_audited(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx, district="astana")
    report = await assigned_report(ctx, unit, district="astana")
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password, device_id="console-7"))
    changed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify", headers=console,
                                    json={"category": "domestic_violence", "reason": "бытовое насилие"})
    assert changed.status_code == 200, changed.text
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.unit_id is None  # released

    (line,) = await _lines(ctx, report.id, "report.release")
    assert (line.actor_type, line.actor_id, line.device_id) == ("dispatcher", str(dispatcher.id), "console-7")
    assert line.data == {"unit_id": str(unit.id), "reason": "not_designated", "category": "domestic_violence"}


async def test_routing_that_restricts_a_held_report_late_audits_the_release_as_the_systems(ctx: Context) -> None:
    unit = await make_unit(ctx)
    report = await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        row.category, row.restricted = "child_incident", True  # what the late routing decision set
        await leave_what_restriction_forbids(session, row, SYSTEM)
        await session.commit()
    (line,) = await _lines(ctx, report.id, "report.release")
    assert (line.actor_type, line.actor_id, line.device_id) == ("system", None, None)
    assert line.data["unit_id"] == str(unit.id)


async def test_a_designated_unit_keeps_the_report_and_writes_nothing(ctx: Context) -> None:
    family = await make_unit(ctx, department="district_inspector", restricted_categories=["domestic_violence"])
    report = await assigned_report(ctx, family)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        row.category, row.restricted = "domestic_violence", True
        await leave_what_restriction_forbids(session, row, SYSTEM)
        await session.commit()
        assert row.unit_id == family.id
    assert await _lines(ctx, report.id, "report.release") == []
