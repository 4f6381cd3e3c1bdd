"""Incidents in the dispatcher's hands: one queue entry per incident, assigning the primary assigns the incident,
and every staff step on the primary reaches every open report of it (own event, own notification), on both
databases. Reports come in through the partner API; routing is off, so they wait in triage."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.jobs.models import OutboxTask
from backend.officers.models import Officer
from backend.reports.models import Report, ReportEvent
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.routing.helpers import citizen_n, routed
from tests.sync.conftest import Tablet

pytestmark = pytest.mark.anyio


async def _submit(ctx: Context, citizen: PartnerClient, text: str, **extra: Any) -> uuid.UUID:
    response = await citizen.submit(text, **extra)
    assert response.status_code == 201, response.text
    report_id = uuid.UUID(response.json()["id"])
    await routed(ctx, report_id)  # routing is off: the job puts it in triage; wait so nothing races the test
    return report_id


async def _events(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id)  # type: ignore[arg-type]
                                          .order_by(ReportEvent.created_at, ReportEvent.id)))  # type: ignore[arg-type]


async def _report(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None
    return report


async def _notified(ctx: Context, event: ReportEvent) -> bool:
    """The reporter's notification of `event` went into the outbox (the path every status change takes)."""
    async with ctx.sessions() as session:
        row = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"report-event:{event.id}"))  # type: ignore[arg-type]
    return (row is not None and row.task == "notifications.report_event"
            and row.payload["report_id"] == str(event.report_id))


async def test_one_queue_entry_per_incident_and_every_reporter_follows_the_primary(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    alice, bob, carol, dana, eve = (citizen_n(app_client, partner, n) for n in (11, 12, 13, 14, 15))
    text = "На перекрёстке Кенесары и Абая столкнулись две машины"
    primary = await _submit(ctx, alice, text)
    bob_report = await _submit(ctx, bob, text + ", ДТП")
    carol_report = await _submit(ctx, carol, "ДТП на Абая и Кенесары")
    dana_report = await _submit(ctx, dana, "Абай мен Кенесары қиылысында екі көлік соқтығысты", language="kk")
    other = await _submit(ctx, eve, "Украли велосипед из подъезда")

    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    ids = [str(i) for i in (dana_report, bob_report, primary, carol_report)]
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", json={"report_ids": ids}, headers=h)
    assert merged.status_code == 200, merged.text
    assert merged.json()["incident_id"] == str(primary) and merged.json()["size"] == 4
    withdrawn = await carol.post(f"/api/v1/reports/{carol_report}/withdraw", {"reason": "разобрались сами"})
    assert withdrawn.status_code == 200

    # the officer sees the event once: the primary, carrying the other reports of the incident
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=h)).json()["items"]
    assert sorted(item["id"] for item in queue) == sorted([str(primary), str(other)])
    lead = next(item for item in queue if item["id"] == str(primary))
    assert lead["primary"] is True and lead["incident_id"] == str(primary) and lead["incident_size"] == 4
    assert set(lead["incident_report_ids"]) == {str(bob_report), str(carol_report), str(dana_report)}
    lone = next(item for item in queue if item["id"] == str(other))
    assert lone["incident_id"] is None and lone["incident_size"] == 1 and lone["incident_report_ids"] == []
    card = (await app_client.get(f"/api/v1/dispatch/reports/{bob_report}", headers=h)).json()
    assert card["primary"] is False and card["incident_id"] == str(primary) and card["incident_size"] == 4

    # assigning the primary ("auto") assigns the incident: the open members follow to the same unit
    unit = await make_unit(ctx, code="INC-1", lat=51.17, lon=71.45)
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{primary}/assign", json={"unit_id": "auto"},
                                     headers=h)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["unit_id"] == str(unit.id)
    for member in (bob_report, dana_report):
        report = await _report(ctx, member)
        assert report.status == "assigned" and report.unit_id == unit.id
        async with ctx.sessions() as session:
            custody = await session.scalar(select(Assignment).where(Assignment.report_id == member,  # type: ignore[arg-type]
                                                                    Assignment.released_at.is_(None)))  # type: ignore[union-attr]
        assert custody is not None and custody.unit_id == unit.id and custody.auto
    assert [i["id"] for i in (await app_client.get("/api/v1/dispatch/queue", headers=h)).json()["items"]] == [
        str(other)]

    # the crew's tablet says "en route" on the primary: every open member moves too
    crew = await make_officer(ctx, unit=unit)
    async with ctx.sessions() as session:
        crew_row = await session.get(Officer, crew[0].id)
    assert crew_row is not None
    tablet = Tablet(ctx, crew_row, unit.id)
    tablet.edit("reports", str(primary), status="en_route")
    [result] = await tablet.push()
    assert result["status"] == "applied", result

    # the dispatcher closes the primary as unfounded: the members close with it, their custody released
    closed = await app_client.post(f"/api/v1/dispatch/reports/{primary}/close", headers=h,
                                   json={"how": "unfounded", "reason": "на месте ДТП не обнаружено"})
    assert closed.status_code == 200, closed.text

    primary_number = (await _report(ctx, primary)).number
    for member in (bob_report, dana_report):
        report = await _report(ctx, member)
        assert report.status == "closed" and report.resolution == "unfounded"
        followed = [e for e in await _events(ctx, member) if e.reason and primary_number in e.reason]
        assert [e.action for e in followed] == ["assign", "en_route", "close_unfounded"]
        assert followed[0].actor_id == str(dispatcher.id) and followed[2].actor_id == str(dispatcher.id)
        assert followed[1].actor_id == str(crew_row.id) and followed[1].actor_type == "patrol_officer"
        for event in followed:
            assert event.public and event.public_text["kk"] and event.public_text["ru"]
            assert await _notified(ctx, event)
        async with ctx.sessions() as session:
            open_custody = await session.scalar(select(Assignment).where(
                Assignment.report_id == member, Assignment.released_at.is_(None)))  # type: ignore[arg-type,union-attr]
        assert open_custody is None
    # a withdrawn report never follows
    assert [e.action for e in await _events(ctx, carol_report)][-1] == "withdraw"
    assert (await _report(ctx, carol_report)).resolution == "withdrawn"

    # every reporter reads it on their own timeline, in their language, with the staff's public reason
    dana_kk = citizen_n(app_client, partner, 14, lang="kk")
    body = (await dana_kk.get(f"/api/v1/reports/{dana_report}")).json()
    assert body["status"] == "closed" and "Тексеру нәтижесінде мәліметтер расталмады" in body["timeline"][-1]["text"]
    assert "на месте ДТП не обнаружено" in body["timeline"][-1]["text"]
    assert primary_number not in str(body)
    bob_view = (await bob.get(f"/api/v1/reports/{bob_report}")).json()
    assert [t["action"] for t in bob_view["timeline"]][-3:] == ["assign", "en_route", "close_unfounded"]


async def test_a_member_assigned_on_its_own_moves_alone(ctx: Context, app_client: httpx.AsyncClient,
                                                        partner: dict[str, str]) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    first = await _submit(ctx, citizen_n(app_client, partner, 21), "Шумная драка во дворе дома 5")
    second = await _submit(ctx, citizen_n(app_client, partner, 22), "Во дворе дома 5 дерутся")
    supervisor, pw = await make_officer(ctx, role="supervisor")
    h = bearer(await login(app_client, supervisor.badge_number, pw))
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=h,
                                   json={"report_ids": [str(first), str(second)]})
    assert merged.json()["incident_id"] == str(first)
    unit = await make_unit(ctx, code="INC-2")
    moved = await app_client.post(f"/api/v1/dispatch/reports/{second}/assign", json={"unit_id": str(unit.id)},
                                  headers=h)
    assert moved.status_code == 200
    assert (await _report(ctx, first)).status == "triage"  # a member's step is not the incident's
    # the primary still waits, so it alone stands for the incident in the queue
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=h)).json()["items"]
    assert [i["id"] for i in queue] == [str(first)] and queue[0]["incident_report_ids"] == [str(second)]
