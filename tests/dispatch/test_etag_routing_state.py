"""The card shows `routing_state` (pending / done / failed), so its entity tag must change with it: routing that fails
on a report already in triage writes no history line and moves no version, yet a console that saw "pending" is
looking at a stale card. The card's `etag`, the queue's and GET's ETag header stay one tag."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from backend.context import Context
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _tag(http: httpx.AsyncClient, headers: dict[str, str], report_id: uuid.UUID) -> str:
    response = await http.get(f"/api/v1/dispatch/reports/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["etag"] == response.headers["ETag"]
    queue = (await http.get("/api/v1/dispatch/queue", headers=headers)).json()
    assert [item["etag"] for item in queue["items"] if item["id"] == str(report_id)] == [response.headers["ETag"]]
    return str(response.headers["ETag"])


async def _set_routing_state(ctx: Context, report_id: uuid.UUID, state: str) -> None:
    """As backend.routing.jobs writes it on a report already in triage: the column alone, no history line."""
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == report_id).values(routing_state=state))
        await session.commit()


async def test_the_tag_changes_with_the_routing_state_and_a_stale_card_is_refused(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police", routing_state="pending")
    officer, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, officer.badge_number, password))
    pending = await _tag(app_client, console, report.id)

    await _set_routing_state(ctx, report.id, "failed")
    failed = await _tag(app_client, console, report.id)
    assert failed != pending

    late = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields",
                                 headers={**console, "If-Match": pending}, json={"fields": {"findings": "проверено"}})
    assert late.status_code == 412, late.text
    assert late.json()["code"] == "dispatch.report_changed" and late.headers["ETag"] == failed
    fresh = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields",
                                  headers={**console, "If-Match": failed}, json={"fields": {"findings": "проверено"}})
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["ETag"] == fresh.json()["etag"] == await _tag(app_client, console, report.id)
