"""The officer's write-up queued behind their own "resolved": on scene the officer marks the report resolved, then
types the findings and the summary; the tablet is offline and pushes both later. The status step closes the report,
and the text must still land on it. Only the crew's own resolve gives this grace: "a dispatcher delete/reassign
wins over offline edits" (tablet-sync.md), and status or dispatcher-only fields keep the visibility rule."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from backend.sync.changes import officer_scope
from backend.sync.models import ReportField, SyncChange
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, crew_tablets, server_view

pytestmark = pytest.mark.anyio

SUPERVISOR = By(Actor.SUPERVISOR, "sup-1", "console")


async def _crew(ctx: Context) -> tuple[uuid.UUID, Tablet, Report]:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    return unit.id, tab, report


async def _fields(ctx: Context, report_id: uuid.UUID) -> dict[str, str | None]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(ReportField).where(ReportField.report_id == report_id))  # type: ignore[arg-type]
        return {row.field: row.value for row in rows}


async def test_write_up_queued_after_the_officers_own_resolve_is_kept(ctx: Context) -> None:
    _, tab, report = await _crew(ctx)
    rid = str(report.id)
    tab.edit("reports", rid, status="resolved", outcome="warning")
    tab.edit("reports", rid, findings="Соседи подтвердили шум после 23:00", officer_summary="Вынесено предупреждение")
    results = await tab.push()
    # before the fix: [('applied', None), ('rejected', 'not_assigned')], and the write-up was lost
    assert [(r["status"], r["reason"]) for r in results] == [("applied", None), ("applied", None)], results
    assert sorted(results[1]["applied_fields"]) == ["findings", "officer_summary"]
    assert await _fields(ctx, report.id) == {"findings": "Соседи подтвердили шум после 23:00",
                                             "officer_summary": "Вынесено предупреждение"}
    async with ctx.sessions() as session:
        closed = await session.get(Report, report.id)
        assert closed is not None and (closed.status, closed.resolution) == ("closed", "resolved")
        # marked for the pusher as _finish does for anything applied outside its view: its next pull settles it
        marked = await session.scalar(select(SyncChange.seq).where(  # type: ignore[call-overload]
            SyncChange.scope == officer_scope(tab.officer.id), SyncChange.entity_id == rid).limit(1))  # type: ignore[arg-type]
    assert marked is not None
    await tab.pull_all()
    assert rid not in tab.replica["reports"]  # closed: off the tablet
    assert tab.replica == await server_view(ctx, tab)


async def test_crewmates_write_up_after_the_partners_resolve_is_kept(ctx: Context) -> None:
    unit, first, second = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await first.pull_all()
    await second.pull_all()
    first.edit("reports", rid, status="resolved", outcome="warning")
    second.edit("reports", rid, findings="Опрошены двое свидетелей")  # offline on the second tablet
    assert [r["status"] for r in await first.push()] == ["applied"]
    [result] = await second.push()
    assert (result["status"], result["applied_fields"]) == ("applied", ["findings"]), result
    assert (await _fields(ctx, report.id))["findings"] == "Опрошены двое свидетелей"


async def test_the_grace_is_per_field_lww_and_only_for_the_officer_text(ctx: Context) -> None:
    _, tab, report = await _crew(ctx)
    rid = str(report.id)
    late = tab.edit("reports", rid, findings="черновик")  # stamped before the dispatcher's correction below
    tab.outbox.remove(late)
    tab.edit("reports", rid, status="resolved", outcome="warning")
    await tab.push()
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.set_fields(session, row, {"findings": "исправлено дежурным"}, DISPATCHER)
        await session.commit()
    tab.outbox.append(late)
    tab.edit("reports", rid, status="resolved", outcome="warning", officer_summary="вместе со статусом")
    tab.edit("reports", rid, officer_summary="итог", priority="high")
    superseded, with_status, with_read_only = await tab.push()
    assert (superseded["status"], superseded["superseded_fields"]) == ("superseded", ["findings"]), superseded
    # a step of the crew's on the report its own resolve closed is superseded, and the text sent with it applied
    # (a crewmate's tablet closing it too: tests/sync/test_tablet_offline_shift.py); a dispatcher-only field keeps
    # the visibility rule
    assert (with_status["status"], with_status["applied_fields"], with_status["superseded_fields"]) == (
        "applied", ["officer_summary"], ["status"]), with_status
    assert (with_read_only["status"], with_read_only["reason"]) == ("rejected", "not_assigned"), with_read_only
    assert await _fields(ctx, report.id) == {"findings": "исправлено дежурным", "officer_summary": "вместе со статусом"}


async def test_a_closing_by_dispatch_still_beats_the_offline_write_up(ctx: Context) -> None:
    _, tab, report = await _crew(ctx)
    rid = str(report.id)
    tab.edit("reports", rid, findings="офлайн-правка")
    async with ctx.sessions() as session:  # resolved, but by dispatch, not by the crew
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.change_status(session, row, Action.RESOLVE, DISPATCHER)
        await session.commit()
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _fields(ctx, report.id) == {}


async def test_no_grace_once_the_resolved_report_is_reopened(ctx: Context) -> None:
    _, tab, report = await _crew(ctx)
    rid = str(report.id)
    tab.edit("reports", rid, status="resolved", outcome="warning")
    await tab.push()
    tab.edit("reports", rid, findings="после повторного открытия")
    async with ctx.sessions() as session:  # oversight reopens it: back to dispatch's queue, no unit
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.change_status(session, row, Action.REOPEN, SUPERVISOR, reason="неполная проверка")
        await session.commit()
        assert row.status == Status.REOPENED
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _fields(ctx, report.id) == {}


async def test_the_previous_unit_gets_no_grace_from_the_new_units_resolve(ctx: Context) -> None:
    """Notes from a previous assignee are kept (chain of custody); its field edits are not: the reassignment won."""
    _, tab_a, report = await _crew(ctx)
    unit_b = await make_unit(ctx)
    officer_b, _ = await make_officer(ctx, unit=unit_b)
    tab_b = Tablet(ctx, officer_b, unit_b.id)
    rid = str(report.id)
    tab_a.edit("reports", rid, findings="правка прежнего наряда")  # offline
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.assign(session, row, unit_b, DISPATCHER)
        await session.commit()
    await tab_b.pull_all()
    tab_b.edit("reports", rid, status="resolved", outcome="warning")
    await tab_b.push()
    [result] = await tab_a.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _fields(ctx, report.id) == {}


async def _overwrites(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.action == "fields_overwritten")))  # type: ignore[arg-type]


async def test_a_crewmates_findings_replaced_from_a_tablet_are_kept_in_the_record(ctx: Context) -> None:
    """Field rows are rewritten in place. When a tablet replaces text another officer wrote, an internal event keeps
    what was there and who wrote it; an officer revising their own text leaves none (a draft is not a record)."""
    unit, first, second = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await first.pull_all()
    await second.pull_all()
    first.edit("reports", rid, findings="Потерпевший избит, вызвана скорая")
    await first.push()
    first.edit("reports", rid, findings="Потерпевший избит, вызвана скорая помощь")  # the author's own revision
    await first.push()
    assert await _overwrites(ctx, report.id) == []
    await second.pull_all()
    second.edit("reports", rid, findings="Нарушений не выявлено")
    [result] = await second.push()
    assert result["applied_fields"] == ["findings"]
    [event] = await _overwrites(ctx, report.id)
    assert not event.public and event.actor_id == str(second.officer.id)
    was = event.data["previous"]["findings"]
    assert (was["value"], was["actor_id"]) == ("Потерпевший избит, вызвана скорая помощь", str(first.officer.id))
    assert event.data["values"] == {"findings": "Нарушений не выявлено"}


async def test_the_write_up_of_a_report_its_citizen_withdrew_meanwhile_is_kept(ctx: Context) -> None:
    """On scene, offline, the crew marks the report resolved and writes up what it found; meanwhile its citizen
    withdrew it. The withdrawal stands (the step is superseded, the citizen hears nothing more), and the write-up,
    the record of the police work done, lands on the report and in the sealed record; it was `not_assigned` and
    dropped by the tablet."""
    _, tab, report = await _crew(ctx)
    rid = str(report.id)
    tab.edit("reports", rid, status="resolved", outcome="warning", findings="На месте никого не было")
    tab.edit("reports", rid, officer_summary="Заявитель отозвал обращение")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.withdraw(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "уже разобрались")
        await session.commit()
    step, write_up = await tab.push()
    assert (step["status"], step["applied_fields"], step["superseded_fields"]) == (
        "applied", ["findings"], ["status"]), step
    assert (write_up["status"], write_up["applied_fields"]) == ("applied", ["officer_summary"]), write_up
    assert await _fields(ctx, report.id) == {"findings": "На месте никого не было",
                                             "officer_summary": "Заявитель отозвал обращение"}
    async with ctx.sessions() as session:
        closed = await session.get(Report, report.id)
        assert closed is not None and (closed.status, closed.resolution) == ("closed", "withdrawn")
        events = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id).order_by(ReportEvent.created_at, ReportEvent.id)))  # type: ignore[arg-type]
    after = events[[e.action for e in events].index("withdraw") + 1:]
    assert {e.action for e in after} == {"fields_recorded"} and not any(e.public for e in after)
    assert after[-1].data is not None and after[-1].data["fields"]["officer_summary"]["value"] == \
        "Заявитель отозвал обращение"


async def test_a_report_withdrawn_before_the_crew_held_it_gives_no_grace(ctx: Context) -> None:
    """Withdrawn while no unit of the officer's held it: nothing of theirs to keep."""
    unit = await make_unit(ctx)
    other = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, other)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.withdraw(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "не нужно")
        await session.commit()
    tab = Tablet(ctx, officer, unit.id)
    tab.edit("reports", str(report.id), findings="чужое")
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _fields(ctx, report.id) == {}
