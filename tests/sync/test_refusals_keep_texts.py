"""A report update refused for what it asks (a dispatcher-only field, a status off the lattice, the appeal against the
officer's own closing) still carries the crew's write-up: refused and dropped from the outbox, those texts were lost
with nothing left on the server. Kept with the answer (`kept: true`) and in the report's record, as the texts of a
`resolved` without its outcome always were."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.officers.models import Unit
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Actor
from backend.sync import sealed
from backend.sync.models import ReportField, SyncMutation
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, crew_tablets

pytestmark = pytest.mark.anyio


async def _kept(ctx: Context, tablet: Tablet, mutation_id: str, report_id: uuid.UUID) -> tuple[Any, list[Any]]:
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (tablet.device_id, mutation_id))
        events = list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == report_id, col(ReportEvent.action) == sealed.TEXT_KEPT)))
    assert stored is not None
    return stored.result.get("kept_fields"), [event.data for event in events]


@pytest.mark.parametrize(("refused", "reason"), [({"priority": "low"}, "read_only"),
                                                 ({"status": "arrived"}, "invalid_status")])
async def test_texts_sent_with_a_refused_field_are_kept(ctx: Context, refused: dict[str, str], reason: str) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    sent = tablet.edit("reports", str(report.id), findings="Дверь вскрыта, следов взлома нет", **refused)
    (result,) = await tablet.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", reason, True), result
    kept, events = await _kept(ctx, tablet, sent.mutation_id, report.id)
    assert kept == {"report_id": str(report.id), "fields": {"findings": "Дверь вскрыта, следов взлома нет"}}
    assert [(event["reason"], event["fields"]) for event in events] == [
        (reason, {"findings": "Дверь вскрыта, следов взлома нет"})]
    async with ctx.sessions() as session:  # refused as a whole: nothing of it applied
        assert await session.get(ReportField, (report.id, "findings")) is None
    # resent after a lost answer: the stored answer, and no second record of the texts
    tablet.outbox.append(sent)
    (again,) = await tablet.push()
    assert (again["status"], again["original_status"], again.get("kept")) == ("duplicate", "rejected", True), again
    assert len((await _kept(ctx, tablet, sent.mutation_id, report.id))[1]) == 1


async def test_a_refusal_with_no_texts_keeps_nothing(ctx: Context) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    sent = tablet.edit("reports", str(report.id), priority="low")
    (result,) = await tablet.push()
    assert (result["reason"], result.get("kept")) == ("read_only", None), result
    assert await _kept(ctx, tablet, sent.mutation_id, report.id) == (None, [])


async def test_the_write_up_sent_with_a_resolve_of_the_appeal_against_ones_own_closing_is_kept(ctx: Context) -> None:
    unit, mine, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await mine.pull_all()
    mine.edit("reports", str(report.id), status="resolved", outcome="warning")
    assert (await mine.push())[0]["status"] == "applied"
    async with ctx.sessions() as session:  # the citizen appeals; dispatch sends the same crew again
        row = await reports.lock(session, report.id)
        assert row is not None
        await reports.reopen(session, row, By(Actor.CITIZEN, str(row.citizen_id), "egov"), "никто не приезжал")
        crew = await session.get(Unit, unit.id)
        assert crew is not None
        await dispatch.assign(session, row, crew, DISPATCHER)
        await session.commit()
    await mine.pull_all()
    sent = mine.edit("reports", str(report.id), status="resolved", outcome="not_confirmed",
                     findings="Повторный выезд: заявителя дома нет")
    (result,) = await mine.push()
    assert (result["reason"], result.get("kept")) == ("report.appeal_own_decision", True), result
    kept, events = await _kept(ctx, mine, sent.mutation_id, report.id)
    assert kept == {"report_id": str(report.id), "fields": {"findings": "Повторный выезд: заявителя дома нет"}}
    assert [event["reason"] for event in events] == ["report.appeal_own_decision"]
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == "assigned"
