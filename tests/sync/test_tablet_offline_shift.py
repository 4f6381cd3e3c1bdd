"""A patrol shift on tablets that lose the network, through the real endpoints: two tablets of one crew closing the
same report offline, and a tablet whose cursor outlives a database restore."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest
from sqlalchemy import select, text

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports.models import Report, ReportEvent
from backend.sync import sealed
from backend.sync.changes import max_seq
from backend.sync.models import ReportField, ReportNote
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, uuid7
from tests.sync.test_evidence import assigned_by_console
from tests.sync.test_shift_walk import HttpTablet

pytestmark = pytest.mark.anyio


async def _tablet(client: httpx.AsyncClient, badge: str, password: str) -> HttpTablet:
    device = f"tab-{uuid.uuid4().hex[:8]}"
    return HttpTablet(client, bearer(await login(client, badge, password, device)), device)


async def _crew(client: httpx.AsyncClient, ctx: Context) -> tuple[HttpTablet, HttpTablet, Report]:
    """Two tablets of one crew's officers and a report the console gave their unit."""
    unit = await make_unit(ctx)
    tablets = []
    for _ in range(2):
        officer, password = await make_officer(ctx, unit=unit)
        tablets.append(await _tablet(client, officer.badge_number, password))
    report, _ = await assigned_by_console(ctx, client, unit)
    return tablets[0], tablets[1], report


async def test_crewmates_write_up_sent_with_its_own_resolve_is_kept_after_the_other_tablet_closed(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    a, b, report = await _crew(app_client, ctx)
    rid = str(report.id)
    for tab in (a, b):
        await tab.pull_all()
    # both offline on scene; each closes the report with its own write-up
    a.queue("reports", rid, "update", status="resolved", outcome="warning", officer_summary="Предупреждён")
    b.queue("reports", rid, "update", status="resolved", outcome="warning", findings="Соседи подтвердили шум")
    [first_close] = await a.push()
    assert first_close["status"] == "applied", first_close
    [late] = await b.push()
    # the step the crew already recorded is superseded; the findings typed with it are not lost
    assert (late["status"], late["applied_fields"], late["superseded_fields"]) == (
        "applied", ["findings"], ["status"]), late
    async with ctx.sessions() as session:
        stored = await session.get(ReportField, (report.id, "findings"))
        assert stored is not None and stored.value == "Соседи подтвердили шум"
        recorded = (await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == sealed.FIELDS_RECORDED)
            .order_by(ReportEvent.created_at.desc()))).first()
        assert recorded is not None and recorded.data["fields"]["findings"]["value"] == "Соседи подтвердили шум"
        closings = (await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.to_status == "closed"))).all()
        assert len(closings) == 1  # closed (and the citizen told) once
    for tab in (a, b):
        await tab.pull_all()
        assert rid not in tab.replica["reports"]


async def test_crewmates_resolve_with_another_outcome_is_superseded_and_its_write_up_kept(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    a, b, report = await _crew(app_client, ctx)
    rid = str(report.id)
    a.queue("reports", rid, "update", status="resolved", outcome="warning")
    b.queue("reports", rid, "update", status="resolved", outcome="protocol", officer_summary="Составлен протокол")
    assert [r["status"] for r in await a.push()] == ["applied"]
    [late] = await b.push()
    # not "not_assigned": the crew holds the closing; the other outcome is not applied, the text is
    assert late["status"] == "applied" and late["superseded_fields"] == ["status"], late
    assert late["applied_fields"] == ["officer_summary"], late
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.outcome == "warning"


async def test_a_cursor_from_before_a_restore_resets_even_after_new_writes_pass_it(ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    first = await assigned_report(ctx, unit)
    await tab.pull_all()
    async with ctx.sessions() as session:
        backup_seq = await max_seq(session)  # a nightly backup is taken here
    for _ in range(2):
        await assigned_report(ctx, unit)
    await tab.pull_all()  # the tablet's cursor moves past the backup
    async with ctx.engine.begin() as conn:  # the database is restored from that backup
        await conn.execute(text("DELETE FROM sync_changes WHERE seq > :k"), {"k": backup_seq})
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('sync_changes', 'seq'), :k)"),
                               {"k": backup_seq})
        else:
            await conn.execute(text("UPDATE sqlite_sequence SET seq = :k WHERE name = 'sync_changes'"),
                               {"k": backup_seq})
    # after the restore the day goes on: a correction and new reports for other units take the seqs the tablet has
    # already seen
    async with ctx.sessions() as session:
        row = await session.get(Report, first.id)
        assert row is not None
        await dispatch.set_fields(session, row, {"findings": "исправлено после восстановления"}, DISPATCHER)
        await session.commit()
    for _ in range(6):
        await assigned_report(ctx, await make_unit(ctx))
    await tab.pull_all()
    assert tab.resets == 1
    assert tab.replica["reports"][str(first.id)]["findings"] == "исправлено после восстановления"


async def test_an_offline_shift_pushed_out_of_order_and_twice_converges_two_crew_tablets(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    a, b, report = await _crew(app_client, ctx)
    rid = str(report.id)
    for tab in (a, b):
        await tab.pull_all()
    # offline on A: the whole call; on B (the crewmate): a stale "en route" and a note of its own
    steps = [a.queue("reports", rid, "update", status="en_route"),
             a.queue("reports", rid, "update", status="on_scene", findings="Дверь вскрыта")]
    note = uuid7()
    steps.append(a.queue("notes", note, "create", report_id=rid, text="Опросил соседей"))
    data = b"scene photo" * 50
    photo = uuid7()
    closing = [a.queue("evidence", photo, "create", report_id=rid, sha256=hashlib.sha256(data).hexdigest(),
                       size=len(data), content_type="image/jpeg"),
               a.queue("reports", rid, "update", status="resolved", outcome="protocol", officer_summary="Протокол")]
    b_note = uuid7()
    b.queue("reports", rid, "update", status="en_route")
    b.queue("notes", b_note, "create", report_id=rid, text="Свидетель: серая машина")
    # back online: the second batch arrives first, its answer is lost, then both batches, the first one twice
    a.outbox = closing
    await a.push(lose_response=True)
    a.outbox = steps
    first_batch = await a.push()
    assert [(r["status"], r["superseded_fields"]) for r in first_batch] == [
        ("superseded", ["status"]), ("applied", ["status"]), ("applied", [])], first_batch
    assert first_batch[1]["applied_fields"] == ["findings"]
    a.outbox = steps + closing
    again = await a.push()
    assert [r["status"] for r in again] == ["duplicate"] * 5, again
    later = await b.push()
    assert [(r["status"], r["reason"]) for r in later] == [("superseded", None), ("applied", None)], later
    async with ctx.sessions() as session:
        events = (await session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id))).all()
        public = [e.action for e in events if e.public]
        assert public.count("resolve") == 1 and "en_route" not in public, public  # told once, of real changes
        row = await session.get(Report, report.id)
        assert row is not None and row.outcome == "protocol"
        audit = (await session.scalars(select(AuditLog).where(AuditLog.target_id == rid,
                                                              AuditLog.action == "report.resolve"))).all()
        assert [line.device_id for line in audit] == [a.device_id], audit
        notes = {n.id for n in (await session.scalars(select(ReportNote).where(ReportNote.report_id == report.id)))}
        assert notes == {uuid.UUID(note), uuid.UUID(b_note)}
    for tab in (a, b):
        await tab.pull_all()
    assert a.replica == b.replica and rid not in a.replica["reports"] and a.replica["notes"] == {}
