"""Reports that join an incident already being worked (by the routing job or a staff merge) follow the primary's
unit at once, on both databases: the officer keeps one job, the newcomer's reporter hears who has it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.reports.models import ReportEvent
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.routing.helpers import citizen_n, routed, submit_and_route

pytestmark = pytest.mark.anyio


async def test_a_late_report_follows_the_unit_already_on_the_incident(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    first = await submit_and_route(ctx, citizen_n(app_client, partner, 51),
                                   "На перекрёстке Кенесары и Абая столкнулись две машины, ДТП", lat=51.16, lon=71.47)
    unit = await make_unit(ctx, code="JOIN-1", department="traffic_police")
    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{first.id}/assign", json={"unit_id": str(unit.id)},
                                     headers=h)
    assert assigned.status_code == 200, assigned.text

    late_citizen = citizen_n(app_client, partner, 52)
    late = await submit_and_route(ctx, late_citizen, "ДТП на перекрёстке Абая и Кенесары, две машины столкнулись",
                                  lat=51.1605, lon=71.4706)
    assert late.incident_id == first.id
    assert late.status == "assigned" and late.unit_id == unit.id  # no triage, no second queue entry
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == late.id,  # type: ignore[arg-type]
                                                               ReportEvent.action == "assign"))  # type: ignore[arg-type]
        custody = await session.scalar(select(Assignment).where(Assignment.report_id == late.id))  # type: ignore[arg-type]
    assert event is not None and event.actor_type == "system" and first.number in (event.reason or "")
    assert custody is not None and custody.unit_id == unit.id
    view = (await late_citizen.get(f"/api/v1/reports/{late.id}")).json()
    assert view["timeline"][-1]["action"] == "assign" and view["also_reported"] == 1
    assert (await app_client.get("/api/v1/dispatch/queue", headers=h)).json()["items"] == []

    # a staff merge brings a waiting report along the same way
    stray = await submit_and_route(ctx, citizen_n(app_client, partner, 53), "Украли велосипед из подъезда")
    assert stray.incident_id is None
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=h,
                                   json={"report_ids": [str(stray.id), str(first.id)]})
    assert merged.status_code == 200 and merged.json()["incident_id"] == str(first.id)
    assert merged.json()["size"] == 3
    stray = await routed(ctx, stray.id)
    assert stray.status == "assigned" and stray.unit_id == unit.id
