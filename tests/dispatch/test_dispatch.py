"""Dispatcher console over HTTP: queue, auto-assignment to the nearest designated unit, role guards, no IDOR,
closing, escalation; and the sync endpoints' auth and fault answers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Assignment, Escalation
from backend.jobs.relay import Relay
from backend.reports.models import ReportEvent
from backend.reports.workflow import Status
from tests.core.factories import make_report, triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def _report(ctx: Context, **fields: object) -> str:
    return str((await triage_report(ctx, **fields)).id)


async def test_queue_auto_assign_and_guards(app_client: httpx.AsyncClient, ctx: Context) -> None:
    far = await make_unit(ctx, code="FAR", lat=43.2389, lon=76.8897)  # Almaty
    near = await make_unit(ctx, code="NEAR", lat=51.17, lon=71.45)  # Astana
    await make_unit(ctx, code="BUSY", lat=51.1606, lon=71.4705, status="busy")
    dv_unit = await make_unit(ctx, code="DV", department="district_inspector", lat=51.0, lon=71.0,
                              restricted_categories=["domestic_violence"])
    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    urgent = await _report(ctx, department="patrol_police", urgent=True, priority="urgent")
    normal = await _report(ctx, department="patrol_police", text="ИИН 900101300127, звонить +7 701 123 45 67")
    page = (await app_client.get("/api/v1/dispatch/queue?limit=1", headers=h)).json()
    assert [i["id"] for i in page["items"]] == [urgent] and page["next_cursor"]
    page2 = (await app_client.get(f"/api/v1/dispatch/queue?limit=1&cursor={page['next_cursor']}", headers=h)).json()
    assert [i["id"] for i in page2["items"]] == [normal]

    auto = await app_client.post(f"/api/v1/dispatch/reports/{urgent}/assign", json={"unit_id": "auto"}, headers=h)
    assert auto.status_code == 200, auto.text
    assert auto.json()["unit_code"] == "NEAR" and auto.json()["report"]["status"] == "assigned"
    async with ctx.sessions() as session:
        rid = auto.json()["report"]["id"]
        events = list(await session.scalars(select(ReportEvent.action).where(ReportEvent.report_id == rid)))  # type: ignore[call-overload]
    assert "assign" in events

    restricted = await _report(ctx, department="district_inspector", category="domestic_violence", restricted=True)
    manual = await app_client.post(f"/api/v1/dispatch/reports/{restricted}/assign", json={"unit_id": str(far.id)},
                                   headers=h)
    assert manual.status_code == 404  # a plain dispatcher does not even see restricted reports
    supervisor, spw = await make_officer(ctx, role="supervisor")
    sh = bearer(await login(app_client, supervisor.badge_number, spw))
    wrong = await app_client.post(f"/api/v1/dispatch/reports/{restricted}/assign", json={"unit_id": str(far.id)},
                                  headers=sh)
    assert wrong.status_code == 409 and wrong.json()["code"] == "dispatch.unit_not_designated"
    dv = await app_client.post(f"/api/v1/dispatch/reports/{restricted}/assign", json={"unit_id": "auto"}, headers=sh)
    assert dv.json()["unit_id"] == str(dv_unit.id)

    # prosecutors read, never act; field officers see only their own reports, with personal data masked
    prosecutor, ppw = await make_officer(ctx, role="prosecutor")
    ph = bearer(await login(app_client, prosecutor.badge_number, ppw))
    assert (await app_client.get(f"/api/v1/dispatch/reports/{restricted}", headers=ph)).status_code == 200
    assert (await app_client.post(f"/api/v1/dispatch/reports/{normal}/assign", json={"unit_id": "auto"},
                                  headers=ph)).status_code == 403
    await app_client.post(f"/api/v1/dispatch/reports/{normal}/assign", json={"unit_id": str(near.id)}, headers=h)
    crew, cpw = await make_officer(ctx, unit=near, district="almaty")
    ch = bearer(await login(app_client, crew.badge_number, cpw))
    mine = await app_client.get(f"/api/v1/dispatch/reports/{normal}", headers=ch)
    assert mine.status_code == 200 and "900101300127" not in mine.json()["text"]
    assert "123 45 67" not in mine.json()["text"]
    assert (await app_client.get(f"/api/v1/dispatch/reports/{restricted}", headers=ch)).status_code == 404
    assert (await app_client.get("/api/v1/dispatch/queue", headers=ch)).status_code == 403

    closed = await app_client.post(f"/api/v1/dispatch/reports/{normal}/close", headers=h,
                                   json={"how": "duplicate", "reason": "повтор", "duplicate_of": urgent})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


async def test_unaccepted_urgent_report_escalates_once(ctx: Context) -> None:
    unit = await make_unit(ctx)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, department="patrol_police")
        from backend.dispatch import service
        from tests.sync.conftest import DISPATCHER

        assignment = await service.assign(session, report, unit, DISPATCHER)
        assignment.assigned_at -= timedelta(minutes=30)
        await session.commit()
    assert await find_escalations(ctx) >= 1
    assert await find_escalations(ctx) == 0
    await Relay(ctx).drain()
    async with ctx.sessions() as session:
        esc = await session.scalar(select(Escalation).where(Escalation.report_id == report.id,  # type: ignore[arg-type]
                                                            Escalation.kind == "unaccepted_urgent"))  # type: ignore[arg-type]
        assert esc is not None
        assert await session.scalar(select(Assignment.accepted_at).where(Assignment.report_id == report.id)) is None  # type: ignore[call-overload]


async def test_sync_http_faults(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit)
    h = bearer(await login(app_client, officer.badge_number, pw, "tab-http"))
    assert (await app_client.get("/api/v1/sync/pull")).status_code == 401
    first = await app_client.get("/api/v1/sync/pull?limit=10", headers=h)
    assert first.status_code == 200 and set(first.json()) == {"changes", "cursor", "has_more", "server_hlc"}
    cursor = first.json()["cursor"]
    assert (await app_client.get(f"/api/v1/sync/pull?cursor=A{cursor[1:]}", headers=h)).status_code == 400
    big = {"device_id": "tab-http", "mutations": [
        {"mutation_id": str(i), "entity": "notes", "id": "x", "op": "create", "hlc": "1-1-x"} for i in range(501)]}
    assert (await app_client.post("/api/v1/sync/push", json=big, headers=h)).status_code == 413
    other = {"device_id": "someone-else", "mutations": []}
    assert (await app_client.post("/api/v1/sync/push", json=other, headers=h)).status_code == 403
    odd = {"device_id": "tab-http", "mutations": [
        {"mutation_id": "m1", "entity": "reports", "id": "00000000-0000-0000-0000-000000000000", "op": "update",
         "hlc": "0000000000001-00001-tab", "fields": {"status": "en_route"}},
        {"mutation_id": "m2", "entity": "spaceships", "id": "1", "op": "create", "hlc": "1-1-t"}]}
    res = (await app_client.post("/api/v1/sync/push", json=odd, headers=h)).json()["results"]
    assert [r["reason"] for r in res] == ["not_assigned", "unknown_entity"]
    # the dispatcher's console is not a tablet
    disp, dpw = await make_officer(ctx, role="dispatcher")
    dh = bearer(await login(app_client, disp.badge_number, dpw))
    assert (await app_client.get("/api/v1/sync/pull", headers=dh)).status_code == 403


async def test_a_correction_outranks_a_tablet_stamp_this_process_never_saw(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    """A tablet's write accepted by another replica (or before a restart) may be stamped up to 5 minutes ahead of
    this process's clock; a dispatcher's correction after it must still be the later write, or an older offline
    edit pushed next would beat the correction."""
    from backend.lib.clock import utcnow
    from backend.sync.hlc import Hlc, parse
    from backend.sync.models import ReportField

    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE)
        ahead = Hlc(int(utcnow().timestamp() * 1000) + 4 * 60 * 1000, 7, f"tablet-{uuid.uuid4().hex[:6]}")
        session.add(ReportField(report_id=report.id, field="findings", value="со слов соседей", hlc=str(ahead),
                                actor_type="patrol_officer"))
        await session.commit()
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    response = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields",
                                     json={"fields": {"findings": "уточнено дежурным"}},
                                     headers=bearer(await login(app_client, dispatcher.badge_number, password)))
    assert response.status_code == 200, response.text
    async with ctx.sessions() as session:
        row = await session.get(ReportField, (report.id, "findings"), populate_existing=True)
    assert row is not None and row.value == "уточнено дежурным" and parse(row.hlc) > ahead, row.hlc
