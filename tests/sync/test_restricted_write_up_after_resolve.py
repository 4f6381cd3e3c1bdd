"""The write-up a designated crew queued behind its own "resolved" lands on a restricted report whose category is an
ordinary one (the citizen chose domestic violence, the model filed public_order): the grace for the crew's own
closing (backend.sync.custody.closed_in_crews_hands) takes the designation rule (backend.dispatch.designation) the
report's assignment passed. Its own inline check matched the current category only, so the crew's findings were
refused `not_assigned` (kept aside, never applied) on the very report the crew had just closed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report
from backend.sync.models import ReportField
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report

pytestmark = pytest.mark.anyio


async def _fields(ctx: Context, report_id: uuid.UUID) -> dict[str, str | None]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(ReportField).where(ReportField.report_id == report_id))  # type: ignore[arg-type]
        return {row.field: row.value for row in rows}


async def test_a_designated_crews_write_up_after_its_own_resolve_lands_on_a_report_filed_ordinary(
        ctx: Context) -> None:
    family = await make_unit(ctx, department="district_inspector", restricted_categories=["domestic_violence"])
    officer, _ = await make_officer(ctx, unit=family, department="district_inspector")
    report = await assigned_report(ctx, family, category="public_order", category_hint="domestic_violence",
                                   restricted=True)
    tab = Tablet(ctx, officer, family.id)
    await tab.pull_all()
    rid = str(report.id)
    assert rid in tab.replica["reports"]  # its crew holds and reads it
    tab.edit("reports", rid, status="resolved", outcome="warning")
    tab.edit("reports", rid, findings="Бывший муж ушёл до приезда, заявительнице разъяснены права")
    results = await tab.push()
    # before the fix: [('applied', None), ('rejected', 'not_assigned')], the findings kept aside, never applied
    assert [(r["status"], r["reason"]) for r in results] == [("applied", None), ("applied", None)], results
    assert await _fields(ctx, report.id) == {"findings": "Бывший муж ушёл до приезда, заявительнице разъяснены права"}
    async with ctx.sessions() as session:
        closed = await session.get(Report, report.id)
        assert closed is not None and closed.status == "closed"


async def test_a_crew_not_designated_for_it_still_gets_no_grace(ctx: Context) -> None:
    """The rule, not a loosening: a unit designated for another restricted category (one that could never have held
    the report) is refused as before, its text not applied."""
    family = await make_unit(ctx, department="district_inspector", restricted_categories=["domestic_violence"])
    officer, _ = await make_officer(ctx, unit=family, department="district_inspector")
    report = await assigned_report(ctx, family, category="public_order", category_hint="domestic_violence",
                                   restricted=True)
    tab = Tablet(ctx, officer, family.id)
    await tab.pull_all()
    rid = str(report.id)
    tab.edit("reports", rid, status="resolved", outcome="warning")
    assert [r["status"] for r in await tab.push()] == ["applied"]
    async with ctx.sessions() as session:  # the unit's designation is taken away after it closed the report
        unit = await session.get(type(family), family.id)
        assert unit is not None
        unit.restricted_categories = ["child_incident"]
        session.add(unit)
        await session.commit()
    tab.edit("reports", rid, findings="после снятия назначения")
    [result] = await tab.push()
    assert result["status"] == "rejected", result
    assert await _fields(ctx, report.id) == {}
