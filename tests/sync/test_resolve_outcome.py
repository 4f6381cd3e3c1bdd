"""A tablet's "resolved" must name its outcome: the citizen is told it in plain words ("an administrative protocol
was drawn up", "a warning"...), and a default would tell them of measures nobody chose (audit 2026-12-05)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, server_view

pytestmark = pytest.mark.anyio


async def _crew(ctx: Context) -> tuple[Tablet, str]:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    return tab, str(report.id)


async def _closings(ctx: Context, rid: str) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == uuid.UUID(rid), ReportEvent.to_status == Status.CLOSED.value)))  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome", [None, ""])
async def test_resolve_without_an_outcome_is_rejected_not_measures_taken(ctx: Context, outcome: str | None) -> None:
    tab, rid = await _crew(ctx)
    fields = {"status": "resolved"} if outcome is None else {"status": "resolved", "outcome": outcome}
    tab.edit("reports", rid, **fields)
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("rejected", "invalid_outcome"), result
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(rid))
        assert report is not None and report.status == Status.ASSIGNED.value and report.outcome is None
    assert await _closings(ctx, rid) == []  # the citizen was told nothing
    await tab.pull_all()  # the tablet's optimistic "resolved" is put back to the server's state
    assert tab.replica == await server_view(ctx, tab)


async def test_resolve_with_the_officers_outcome_tells_that_outcome(ctx: Context) -> None:
    tab, rid = await _crew(ctx)
    tab.edit("reports", rid, status="resolved", outcome="protocol")
    [result] = await tab.push()
    assert result["status"] == "applied", result
    [closing] = await _closings(ctx, rid)
    assert closing.data["outcome"] == "protocol"
    assert "административный протокол" in closing.public_text["ru"] and "приняты меры" not in closing.public_text["ru"]
