"""A patrol officer made a dispatcher keeps the field work their tablet wrote before the change: the push applies it as
the patrol officer's it was (audited as such), and refuses what was written after with `role_changed` (final, its
text kept), so the tablet drains; pulls stay refused, and a desk officer who never was in the field is refused as
before. Through the real HTTP endpoints: the guard is what refused everything."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from backend.officers.models import Officer, Unit
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from backend.sync.models import ReportField, ReportNote, RoleTenure
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report, uuid7
from tests.sync.test_shift_walk import HttpTablet

pytestmark = pytest.mark.anyio


async def _tablet(client: httpx.AsyncClient, officer: Officer, password: str) -> HttpTablet:
    device = f"tab-{uuid.uuid4().hex[:8]}"
    return HttpTablet(client, bearer(await login(client, officer.badge_number, password, device)), device)


async def _patrol(client: httpx.AsyncClient, ctx: Context) -> tuple[Unit, Officer, HttpTablet]:
    """A unit, a patrol officer of it, and their tablet (logged in: enrolled now)."""
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    return unit, officer, await _tablet(client, officer, password)


async def _set_role(ctx: Context, officer: Officer, role: str) -> None:
    """The officer's role changed, as an admin does it (the row updated through the ORM)."""
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None
        row.role = role
        await session.commit()


async def test_field_work_written_before_a_promotion_is_applied_after_it(app_client: httpx.AsyncClient,
                                                                         ctx: Context) -> None:
    unit, officer, tab = await _patrol(app_client, ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    rid = str(report.id)
    # the end of the shift, offline: arrival, a note, the write-up with the resolve
    tab.queue("reports", rid, "update", status="en_route")
    tab.queue("reports", rid, "update", status="on_scene")
    note_id = uuid7()
    tab.queue("notes", note_id, "create", report_id=rid, text="Свидетель видел белую машину")
    tab.queue("reports", rid, "update", status="resolved", outcome="warning", officer_summary="Провели беседу")
    await _set_role(ctx, officer, "dispatcher")  # promoted before the tablet found the network

    results = await tab.push()
    assert [(r["status"], r["reason"]) for r in results] == [("applied", None)] * 4, results
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and (row.status, row.outcome) == (Status.CLOSED, "warning")
        note = await session.get(ReportNote, uuid.UUID(note_id))
        assert note is not None and note.unit_id == unit.id
        summary = await session.get(ReportField, (report.id, "officer_summary"))
        assert summary is not None and summary.value == "Провели беседу"
        # recorded as the patrol officer's steps they were, from that tablet
        steps = [(e.action, e.actor_type) for e in await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.channel == "tablet"))]  # type: ignore[arg-type]
        assert ("en_route", "patrol_officer") in steps and ("resolve", "patrol_officer") in steps, steps
        lines = list(await session.scalars(select(AuditLog).where(AuditLog.actor_id == str(officer.id))))  # type: ignore[arg-type]
        resolved = [a for a in lines if a.action == "report.resolve"]
        assert [(a.actor_type, a.device_id) for a in resolved] == [("patrol_officer", tab.device_id)]
        [drained] = [a for a in lines if a.action == "sync.push_off_duty"]
        assert drained.actor_type == "dispatcher"
        assert drained.data == {"mutations": 4, "applied": 4, "role_changed": 0}
        tenure = await session.scalar(select(RoleTenure).where(RoleTenure.officer_id == officer.id))  # type: ignore[arg-type]
        assert tenure is not None and tenure.role == "patrol_officer"
    # no new field work reaches a dispatcher's tablet
    assert (await app_client.get("/api/v1/sync/pull", headers=tab.headers)).status_code == 403


async def test_what_was_written_after_the_change_is_refused_for_good_and_its_text_kept(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit, officer, tab = await _patrol(app_client, ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    rid = str(report.id)
    await _set_role(ctx, officer, "dispatcher")
    later = (utcnow() + timedelta(seconds=1)).isoformat()
    for m in (tab.queue("reports", rid, "update", status="en_route"),
              tab.queue("notes", uuid7(), "create", report_id=rid, text="Запись после назначения"),
              tab.queue("reports", rid, "update", findings="Дописал уже дежурным")):
        m["device_time"] = later
    sent = list(tab.outbox)

    step, note, write_up = await tab.push()
    assert (step["status"], step["reason"], step.get("kept")) == ("rejected", "role_changed", None), step
    assert (note["status"], note["reason"], note.get("kept")) == ("rejected", "role_changed", True), note
    assert (write_up["status"], write_up["reason"], write_up.get("kept")) == ("rejected", "role_changed", True)
    # final: the same outbox sent again is answered from the ledger, and the tablet drops it
    tab.outbox = sent
    again = await tab.push()
    assert [(r["status"], r["original_status"]) for r in again] == [("duplicate", "rejected")] * 3, again
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == Status.ASSIGNED
        assert await session.get(ReportField, (report.id, "findings")) is None
        kept = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "text_kept")))  # type: ignore[arg-type]
        shown = {(e.data.get("text"), str(e.data.get("fields")), e.data["reason"], e.actor_type) for e in kept}
        assert len(kept) == 2 and shown == {
            ("Запись после назначения", "None", "role_changed", "dispatcher"),
            (None, str({"findings": "Дописал уже дежурным"}), "role_changed", "dispatcher")}
        assert all(not e.public for e in kept)


async def test_a_stamp_dated_back_reaches_no_report_given_out_after_the_change(app_client: httpx.AsyncClient,
                                                                               ctx: Context) -> None:
    """Still a member of the unit (nobody took them off it), a dispatcher cannot step on the unit's new work by
    dating the step back to their patrol days."""
    unit, officer, tab = await _patrol(app_client, ctx)
    before = utcnow().isoformat()
    await _set_role(ctx, officer, "dispatcher")
    report = await assigned_report(ctx, unit)
    tab.queue("reports", str(report.id), "update", status="en_route")["device_time"] = before
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == Status.ASSIGNED


async def test_a_tablet_enrolled_after_the_change_pushes_no_field_work(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    before = utcnow().isoformat()
    await _set_role(ctx, officer, "dispatcher")
    tab = await _tablet(app_client, officer, password)  # a tablet first logged in on as a dispatcher
    tab.queue("notes", uuid7(), "create", report_id=str(report.id), text="Будто бы с патрульного планшета")
    tab.outbox[0]["device_time"] = before
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("rejected", "role_changed"), result


async def test_a_desk_officer_never_in_the_field_is_refused_as_before(app_client: httpx.AsyncClient,
                                                                      ctx: Context) -> None:
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    tab = await _tablet(app_client, dispatcher, password)
    pushed = await app_client.post("/api/v1/sync/push", headers=tab.headers,
                                   json={"device_id": tab.device_id, "mutations": []})
    assert (pushed.status_code, pushed.json()["code"]) == (403, "auth.forbidden")
    assert (await app_client.get("/api/v1/sync/pull", headers=tab.headers)).status_code == 403
    assert (await app_client.get(f"/api/v1/sync/evidence/{'ab' * 32}", headers=tab.headers)).status_code == 403


async def test_only_a_real_change_of_role_is_recorded(ctx: Context) -> None:
    officer, _ = await make_officer(ctx)
    await _set_role(ctx, officer, "patrol_officer")  # written, unchanged
    await _set_role(ctx, officer, "district_inspector")
    await _set_role(ctx, officer, "supervisor")
    async with ctx.sessions() as session:
        held = [(t.role, t.until) for t in await session.scalars(
            select(RoleTenure).where(RoleTenure.officer_id == officer.id).order_by(RoleTenure.until))]  # type: ignore[arg-type]
    assert [role for role, _ in held] == ["patrol_officer", "district_inspector"]
    assert held[0][1] <= held[1][1]


async def test_a_role_changed_by_hand_in_sql_is_recorded_on_postgresql(ctx: Context) -> None:
    """Nothing in the service changes a role: an administrator's UPDATE is recorded by the database's trigger."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("embedded mode (SQLite) records the changes made through the ORM only")
    officer, _ = await make_officer(ctx)
    async with ctx.sessions() as session:
        for role in ("patrol_officer", "dispatcher"):
            await session.execute(text("UPDATE officers SET role = :role WHERE id = :id"),
                                  {"role": role, "id": officer.id})
        await session.commit()
        held = [t.role for t in await session.scalars(
            select(RoleTenure).where(RoleTenure.officer_id == officer.id))]  # type: ignore[arg-type]
    assert held == ["patrol_officer"]
