"""A write-up typed offline by a crew member *after* dispatch reassigned, closed or reopened the report (the tablet's
clock right: the crew arrived on scene before it learnt of the decision). The dispatcher's decision wins (not
applied), but what the officer saw on the spot was refused `not_assigned` and dropped with nothing left on the
server, while one typed a minute earlier, with the crew still holding the report, was kept. Now the texts of an
officer whose crew held the report at any time are kept (`kept: true`, a sealed `text_kept` event); a stranger's
still never enter the report's record."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from backend.sync import sealed
from backend.sync.models import ReportField, SyncMutation
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, crew_tablets, move_officer, reassign

pytestmark = pytest.mark.anyio

SUPERVISOR = By(Actor.SUPERVISOR, "sup-1", "console")
FINDINGS = "Прибыли на место: дверь вскрыта, свидетель — соседка из кв. 12"


async def _dispatch_decides(ctx: Context, report: Report, decision: str) -> None:
    if decision == "reassigned":
        await reassign(ctx, report, await make_unit(ctx))
        return
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.change_status(session, row, Action.RESOLVE, DISPATCHER)
        if decision == "reopened":  # oversight sends it back to dispatch's queue: no unit holds it
            await reports.change_status(session, row, Action.REOPEN, SUPERVISOR, reason="неполная проверка")
            assert row.status == Status.REOPENED
        await session.commit()


def _typed_now(tablet: Tablet, report: Report, **fields: Any) -> str:
    """A mutation typed now, after dispatch's decision, by a tablet whose clock is right."""
    m = tablet.edit("reports", str(report.id), **fields)
    m.device_time = utcnow()
    return m.mutation_id


async def _kept(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == report_id, col(ReportEvent.action) == sealed.TEXT_KEPT)))


async def _field(ctx: Context, report_id: uuid.UUID) -> ReportField | None:
    async with ctx.sessions() as session:
        return await session.get(ReportField, (report_id, "findings"))


@pytest.mark.parametrize("decision", ["reassigned", "closed", "reopened"])
async def test_a_write_up_typed_after_dispatch_took_the_report_is_kept(ctx: Context, decision: str) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    await _dispatch_decides(ctx, report, decision)
    mutation_id = _typed_now(tablet, report, findings=FINDINGS)
    (result,) = await tablet.push()
    # before: ("rejected", "not_assigned", None), the texts dropped with the outbox entry
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (tablet.device_id, mutation_id))
        assert stored is not None and stored.result["kept_fields"] == {
            "report_id": str(report.id), "fields": {"findings": FINDINGS}}
    (event,) = await _kept(ctx, report.id)
    assert (event.public, event.actor_id) == (False, str(tablet.officer.id))
    assert (event.data["fields"], event.data["reason"]) == ({"findings": FINDINGS}, "not_assigned")
    assert await _field(ctx, report.id) is None  # dispatch's decision still wins: nothing applied


async def test_the_texts_of_a_step_typed_after_a_reassignment_are_kept_and_the_step_refused(ctx: Context) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    await reassign(ctx, report, await make_unit(ctx))
    _typed_now(tablet, report, status="resolved", outcome="warning", findings=FINDINGS)
    (result,) = await tablet.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    (event,) = await _kept(ctx, report.id)
    assert event.data["fields"] == {"findings": FINDINGS}
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == Status.ASSIGNED  # the other crew's: the step is not applied
    assert await _field(ctx, report.id) is None


async def test_a_moved_officers_write_up_on_a_report_their_old_unit_handed_on_is_kept(ctx: Context) -> None:
    """The old crew held the report while the officer was in it; they were moved, and dispatch then gave the report
    to a third unit: their write-up was dropped (their unit now never held it, the old one no longer does)."""
    old_unit, mover, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    new_unit = await make_unit(ctx)
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id
    await reassign(ctx, report, await make_unit(ctx))
    _typed_now(mover, report, findings=FINDINGS)
    (result,) = await mover.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    (event,) = await _kept(ctx, report.id)
    assert event.data["fields"] == {"findings": FINDINGS}
    assert await _field(ctx, report.id) is None


async def test_an_officer_whose_crew_never_held_the_report_keeps_nothing_on_it(ctx: Context) -> None:
    unit, _, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await reassign(ctx, report, await make_unit(ctx))
    stranger_unit = await make_unit(ctx)
    stranger, _ = await make_officer(ctx, unit=stranger_unit)
    tablet = Tablet(ctx, stranger, stranger_unit.id)
    _typed_now(tablet, report, findings="Чужой отчёт")
    _typed_now(tablet, report, status="on_scene", findings="Чужой отчёт")
    results = await tablet.push()
    assert [(r["status"], r["reason"], r.get("kept")) for r in results] == [("rejected", "not_assigned", None)] * 2
    assert await _kept(ctx, report.id) == []
    assert await _field(ctx, report.id) is None
