"""An incident's primary acts for every open report of it: closing it closes them all. Its card shows the incident
(its other reports, its most urgent one), so a step taken on that card must be refused when the incident moved on
since, even though the primary itself did not: a "me too" report saying "he has a knife" joins the incident
mid-shift, and a dispatcher closing the primary as unfounded on the card they opened before would close it unseen."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.routing.duplicates import join
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
ACCIDENT = {"category": "traffic_accident", "department": "patrol_police"}


async def _status(ctx: Context, report_id: uuid.UUID) -> str:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None
    return report.status


async def _incident_of_two(ctx: Context, app_client: httpx.AsyncClient) -> tuple[Report, Report, dict[str, str]]:
    """A primary and one member in triage, and a dispatcher's console headers."""
    async with ctx.sessions() as session:
        primary = await make_report(session, status=Status.TRIAGE, **ACCIDENT)  # type: ignore[arg-type]
        member = await make_report(session, status=Status.TRIAGE, **ACCIDENT)  # type: ignore[arg-type]
        primary.incident_id = member.incident_id = primary.id
        await session.commit()
    officer, password = await make_officer(ctx, role="dispatcher")
    return primary, member, bearer(await login(app_client, officer.badge_number, password))


async def test_closing_a_primary_on_a_card_from_before_an_urgent_report_joined_is_refused(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    primary, member, console = await _incident_of_two(ctx, app_client)
    opened = await app_client.get(f"/api/v1/dispatch/reports/{primary.id}", headers=console)
    assert opened.status_code == 200 and not opened.json()["incident_urgent"], opened.text
    seen = opened.headers["ETag"]

    # routing joins a third report to the incident (the way it does: backend.routing.duplicates)
    async with ctx.sessions() as session:
        urgent = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent",  # type: ignore[arg-type]
                                   text="Водитель вышел с ножом", **ACCIDENT)
        match = await session.get(Report, primary.id)
        assert match is not None and await join(session, urgent, match, 0.97)
        await session.commit()
    now = await app_client.get(f"/api/v1/dispatch/reports/{primary.id}", headers=console)
    assert now.json()["incident_urgent"] and str(urgent.id) in now.json()["incident_report_ids"]
    assert now.headers["ETag"] != seen and now.json()["etag"] == now.headers["ETag"]

    stale = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/close", headers={**console, "If-Match": seen},
                                  json={"how": "unfounded", "reason": "ложный вызов"})
    assert stale.status_code == 412, stale.text
    assert stale.json()["code"] == "dispatch.report_changed" and stale.headers["ETag"] == now.headers["ETag"]
    assert [await _status(ctx, r) for r in (primary.id, member.id, urgent.id)] == [Status.TRIAGE] * 3

    # the queue shows the incident's card with that same tag, and a step taken on it goes through
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=console)).json()["items"]
    assert [item["etag"] for item in queue if item["id"] == str(primary.id)] == [now.headers["ETag"]]
    fresh = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/close",
                                  headers={**console, "If-Match": now.headers["ETag"]},
                                  json={"how": "rejected", "reason": "не по существу"})
    assert fresh.status_code == 200, fresh.text


async def test_a_member_raised_to_urgent_moves_the_primary_tag(ctx: Context, app_client: httpx.AsyncClient) -> None:
    primary, member, console = await _incident_of_two(ctx, app_client)
    seen = (await app_client.get(f"/api/v1/dispatch/reports/{primary.id}", headers=console)).headers["ETag"]
    async with ctx.sessions() as session:
        raised = await session.get(Report, member.id)
        assert raised is not None
        raised.urgent, raised.priority = True, "urgent"
        await session.commit()
    stale = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/close", headers={**console, "If-Match": seen},
                                  json={"how": "rejected", "reason": "не по существу"})
    assert stale.status_code == 412, stale.text
    assert await _status(ctx, member.id) == Status.TRIAGE
