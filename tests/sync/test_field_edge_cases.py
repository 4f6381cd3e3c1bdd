"""Field and dispatch edge cases found in an audit (2026-12-04): each test failed on the code before its fix."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.lib.clock import utcnow
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, server_view, uuid7

pytestmark = pytest.mark.anyio

SUPERVISOR = By(Actor.SUPERVISOR, "sup-1", "console")


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def _crew(ctx: Context) -> tuple[Unit, Tablet]:
    """A unit and one of its officers' tablets."""
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    return unit, Tablet(ctx, officer, unit.id)


# 1. login throttling: the per-badge counter is keyed on the raw badge, the account lookup on badge.strip()
async def test_badge_lockout_cannot_be_bypassed_with_whitespace_padding(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    officer, password = await make_officer(ctx)
    badge = officer.badge_number
    for _ in range(5):
        r = await app_client.post("/api/v1/officer/auth/login",
                                  json={"badge_number": badge, "password": "wrong-guess", "device_id": "tab-x1"})
        assert r.status_code == 401
    locked = await app_client.post("/api/v1/officer/auth/login",
                                   json={"badge_number": badge, "password": password, "device_id": "tab-x1"})
    assert locked.status_code == 429  # the account is locked for this badge
    # the same account, padded: the guesser carries on (and even gets in) while the badge is locked
    padded = await app_client.post("/api/v1/officer/auth/login",
                                   json={"badge_number": f" {badge}", "password": password, "device_id": "tab-x1"})
    assert padded.status_code == 429, padded.text


# 2. a tablet step on an incident's primary fans out to members held by *another* unit
async def test_tablet_resolving_primary_does_not_close_member_held_by_another_unit(ctx: Context) -> None:
    unit_a = await make_unit(ctx, code="A-" + uuid.uuid4().hex[:6])
    unit_b = await make_unit(ctx, code="B-" + uuid.uuid4().hex[:6])
    async with ctx.sessions() as session:
        primary = await make_report(session, status=Status.TRIAGE, department="patrol_police", text="Драка во дворе")
        member = await make_report(session, status=Status.TRIAGE, department="patrol_police", text="Дерутся во дворе")
        await session.commit()
    async with ctx.sessions() as session:
        p, m = await session.get(Report, primary.id), await session.get(Report, member.id)
        assert p is not None and m is not None
        await corrections.merge(session, [p, m], SUPERVISOR)
        await session.commit()
    async with ctx.sessions() as session:
        p = await session.get(Report, primary.id)
        ua = await session.get(Unit, unit_a.id)
        assert p is not None and ua is not None
        await dispatch.assign(session, p, ua, SUPERVISOR)
        await session.commit()
    async with ctx.sessions() as session:  # the member is handed to unit B on its own ("moves alone")
        m = await session.get(Report, member.id)
        ub = await session.get(Unit, unit_b.id)
        assert m is not None and ub is not None
        await dispatch.assign(session, m, ub, SUPERVISOR)
        await session.commit()
    officer_a, _ = await make_officer(ctx, unit=unit_a)
    tab = Tablet(ctx, officer_a, unit_a.id)
    await tab.pull_all()
    assert str(member.id) not in tab.replica["reports"]  # A cannot even see B's report
    tab.edit("reports", str(primary.id), status="resolved", outcome="protocol")
    [result] = await tab.push()
    assert result["status"] == "applied"
    async with ctx.sessions() as session:
        m = await session.get(Report, member.id)
        assert m is not None
    # unit B's report must not be closed by an officer of unit A
    assert m.unit_id == unit_b.id and m.status == Status.ASSIGNED.value, (m.status, m.resolution, m.outcome)


# 3. naive `at` in a location heartbeat → TypeError → 500 instead of problem+json
async def test_location_with_naive_timestamp_is_not_a_500(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit)
    h = bearer(await login(app_client, officer.badge_number, pw))
    r = await app_client.post("/api/v1/officer/location", headers=h,
                              json={"lat": 51.16, "lon": 71.47, "at": "2026-12-04T10:00:00"})
    assert r.status_code == 422, (r.status_code, r.text)
    assert [(e["pointer"], e["code"]) for e in r.json()["errors"]] == [("/at", "timezone_required")], r.text


# 4. naive device_time in a push → every mutation "rejected: internal", recorded for ever in the ledger
async def test_push_with_naive_device_time_is_not_an_internal_rejection(app_client: httpx.AsyncClient,
                                                                        ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit)
    device = "tab-" + uuid.uuid4().hex[:8]
    h = bearer(await login(app_client, officer.badge_number, pw, device))
    report = await assigned_report(ctx, unit)
    body = {"device_id": device, "mutations": [
        {"mutation_id": "mut-1", "entity": "reports", "id": str(report.id), "op": "update",
         "hlc": f"{int(utcnow().timestamp() * 1000):013d}-00001-{device}", "fields": {"status": "en_route"},
         "device_time": "2026-12-04T10:00:00"},
        {"mutation_id": "mut-2", "entity": "notes", "id": uuid7(), "op": "create",
         "hlc": f"{int(utcnow().timestamp() * 1000):013d}-00002-{device}",
         "fields": {"report_id": str(report.id), "text": "Прибыли"}, "device_time": "2026-12-04T10:00:00"},
    ]}
    r = await app_client.post("/api/v1/sync/push", headers=h, json=body)
    if r.status_code in (400, 422):
        return  # rejecting the malformed timestamp as a validation problem is fine
    assert r.status_code == 200, r.text
    reasons = [res.get("reason") for res in r.json()["results"]]
    assert "internal" not in reasons, r.json()["results"]


# 5. a report that becomes invisible without changing unit or closing (reclassified into a restricted category
#    the unit is not designated for) leaves its notes on the tablet: no markers for its notes/evidence
async def test_report_becoming_restricted_removes_its_notes_from_the_tablet(ctx: Context) -> None:
    unit, tab = await _crew(ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    note_id = uuid7()
    tab.edit("notes", note_id, op="create", report_id=str(report.id), text="Со слов соседки, муж её бьёт")
    await tab.sync()
    assert note_id in tab.replica["notes"]
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await corrections.reclassify(session, row, "domestic_violence", "это бытовое насилие", SUPERVISOR)
        await session.commit()
    await tab.pull_all()
    assert str(report.id) not in tab.replica["reports"]  # the report is gone from the tablet...
    fresh = await server_view(ctx, tab)
    assert note_id not in fresh["notes"]
    assert tab.replica["notes"] == fresh["notes"], "the restricted report's note stays on the tablet"


# 6. an extension resets the legal deadline, but the deadline_near escalation is once per report for ever
async def test_extended_report_escalates_again_near_its_new_deadline(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE)
        report.deadline_at = utcnow() + timedelta(hours=2)
        await session.commit()
    assert await find_escalations(ctx) >= 1
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        # the supervisor extends (reasoned decision) ...
        await dispatch.extend(session, row, row.original_deadline_at + timedelta(days=20), "нужна экспертиза",
                              SUPERVISOR)
        await session.commit()
    assert await find_escalations(ctx) == 0
    async with ctx.sessions() as session:  # ... and weeks later the new deadline is two hours away
        row = await session.get(Report, report.id)
        assert row is not None
        row.deadline_at = utcnow() + timedelta(hours=2)
        await session.commit()
    assert await find_escalations(ctx) == 1, "the extended deadline is about to lapse and no one is told"
    async with ctx.sessions() as session:
        kinds = list(await session.scalars(select(Escalation.kind).where(Escalation.report_id == report.id)))  # type: ignore[call-overload, arg-type]
    assert kinds.count("deadline_near") == 2



# 7. a citizen's appeal (reopen) of a report that had been assigned never reaches the dispatch queue:
#    _waiting() wants REOPENED *and* unit_id IS NULL, but reopening keeps the old unit_id
async def test_reopened_report_returns_to_the_dispatch_queue(app_client: httpx.AsyncClient, ctx: Context) -> None:
    from backend.reports import service as reports

    unit = await make_unit(ctx)
    report = await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", DISPATCHER, reason="на месте ничего не обнаружено")
        await session.commit()
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        citizen = By(Actor.CITIZEN, str(row.citizen_id), "app")
        await reports.reopen(session, row, citizen, "полиция не приезжала, драка продолжается")
        await session.commit()
        assert row.status == Status.REOPENED.value
    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    queue = await app_client.get("/api/v1/dispatch/queue", headers=h)
    assert queue.status_code == 200
    assert str(report.id) in [item["id"] for item in queue.json()["items"]], "the appeal is invisible to dispatch"


# 6b. same once-per-report-for-ever rule: an urgent report handed to a second unit that also never accepts it
async def test_reassigned_urgent_report_escalates_again_when_second_unit_does_not_accept(ctx: Context) -> None:
    from backend.dispatch.models import Assignment

    first = await make_unit(ctx)
    second = await make_unit(ctx)
    report = await assigned_report(ctx, first, urgent=True, priority="urgent")
    long_ago = utcnow() - timedelta(minutes=ctx.settings.escalate_unaccepted_min + 5)
    async with ctx.sessions() as session:
        for row in await session.scalars(select(Assignment).where(Assignment.report_id == report.id)):  # type: ignore[arg-type]
            row.assigned_at = long_ago
        await session.commit()
    before = await find_escalations(ctx)
    assert before >= 1
    async with ctx.sessions() as session:  # the supervisor hands it to another crew ...
        held = await session.get(Report, report.id)
        unit = await session.get(Unit, second.id)
        assert held is not None and unit is not None
        await dispatch.assign(session, held, unit, SUPERVISOR, reason="первый наряд не отвечает")
        await session.commit()
    async with ctx.sessions() as session:  # ... which does not accept it either
        for row in await session.scalars(select(Assignment).where(Assignment.report_id == report.id,  # type: ignore[arg-type]
                                                                  Assignment.released_at.is_(None))):  # type: ignore[union-attr]
            row.assigned_at = long_ago
        await session.commit()
    async with ctx.sessions() as session:
        kinds = list(await session.scalars(select(Escalation.kind).where(Escalation.report_id == report.id)))  # type: ignore[call-overload, arg-type]
    await find_escalations(ctx)
    async with ctx.sessions() as session:
        after = list(await session.scalars(select(Escalation.kind).where(Escalation.report_id == report.id)))  # type: ignore[call-overload, arg-type]
    assert after.count("unaccepted_urgent") == kinds.count("unaccepted_urgent") + 1, after


# 8. a report resolved from the tablet keeps an open custody record (dispatch.close releases it; push does not)
async def test_tablet_resolution_releases_custody(ctx: Context) -> None:
    from backend.dispatch.models import Assignment

    unit, tab = await _crew(ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    tab.edit("reports", str(report.id), status="resolved", outcome="warning")
    [result] = await tab.push()
    assert result["status"] == "applied"
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == Status.CLOSED.value
        still_open = await session.scalar(select(Assignment).where(Assignment.report_id == report.id,  # type: ignore[arg-type]
                                                                   Assignment.released_at.is_(None)))  # type: ignore[union-attr]
    assert still_open is None, "chain of custody says the unit still holds a closed report"


# 9. "a restored database gets a new epoch" (changes.meta docstring) is not true: sync_meta is restored with the
#    data, so a tablet whose cursor is ahead of the restored change log silently skips every new change
async def test_restored_database_resets_tablets_instead_of_skipping_changes(ctx: Context) -> None:
    from sqlalchemy import text

    from backend.sync.changes import max_seq

    unit, tab = await _crew(ctx)
    first = await assigned_report(ctx, unit)
    await tab.pull_all()
    async with ctx.sessions() as session:
        backup_seq = await max_seq(session)  # a nightly backup is taken here
    for _ in range(3):
        await assigned_report(ctx, unit)
    await tab.pull_all()  # the tablet's cursor moves past the backup
    async with ctx.engine.begin() as conn:  # the database is restored from that backup
        await conn.execute(text("DELETE FROM sync_changes WHERE seq > :k"), {"k": backup_seq})
        await conn.execute(text("SELECT setval(pg_get_serial_sequence('sync_changes', 'seq'), :k)"),
                           {"k": backup_seq})
    async with ctx.sessions() as session:  # after the restore the dispatcher corrects the first report
        row = await session.get(Report, first.id)
        assert row is not None
        await dispatch.set_fields(session, row, {"findings": "исправлено после восстановления"}, DISPATCHER)
        await session.commit()
    await tab.pull_all()
    assert tab.resets >= 1 or tab.replica["reports"][str(first.id)]["findings"] == "исправлено после восстановления"


# a report reclassified into a restricted category its unit is not designated for was stranded: the unit could
# no longer see it, and no queue listed it because it still had a unit
async def test_reclassified_report_leaves_an_undesignated_unit_for_the_queue(app_client: httpx.AsyncClient,
                                                                            ctx: Context) -> None:
    from backend.dispatch.models import Assignment

    unit = await make_unit(ctx)
    report = await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await corrections.reclassify(session, row, "domestic_violence", "это бытовое насилие", SUPERVISOR)
        await session.commit()
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.unit_id is None and row.status != Status.CLOSED.value
        held = await session.scalar(select(Assignment).where(Assignment.report_id == report.id,  # type: ignore[arg-type]
                                                             Assignment.released_at.is_(None)))  # type: ignore[union-attr]
        assert held is None
    supervisor, pw = await make_officer(ctx, role="supervisor")
    queue = await app_client.get("/api/v1/dispatch/queue", headers=bearer(await login(app_client,
                                                                                       supervisor.badge_number, pw)))
    assert str(report.id) in [item["id"] for item in queue.json()["items"]], queue.json()
