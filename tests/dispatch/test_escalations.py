"""Supervisors see what the SLA job escalated: open reports they may read, newest first, page by page."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.reports.workflow import Status
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _as(ctx: Context, http: httpx.AsyncClient, role: str) -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return bearer(await login(http, officer.badge_number, password))


async def test_escalations_are_listed_for_those_who_may_read_the_report(ctx: Context,
                                                                        app_client: httpx.AsyncClient) -> None:
    ordinary = await triage_report(ctx, department="patrol_police")
    hidden = await triage_report(ctx, department="internal_security", category="police_complaint", restricted=True)
    closed = await triage_report(ctx, department="patrol_police")
    async with ctx.sessions() as session:
        await session.execute(update(Report).values(deadline_at=utcnow() + timedelta(hours=20)))  # within 2 days
        await session.commit()
    assert await find_escalations(ctx) >= 3
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == closed.id)  # type: ignore[arg-type]
                              .values(status=Status.CLOSED.value))  # settled since: nothing left to do
        await session.commit()

    supervisor = await _as(ctx, app_client, "supervisor")
    page = (await app_client.get("/api/v1/dispatch/escalations", headers=supervisor)).json()
    listed = {item["report"]["number"]: item for item in page["items"]}
    assert set(listed) == {ordinary.number, hidden.number}
    assert {item["kind"] for item in listed.values()} == {"deadline_near"}

    dispatcher = await _as(ctx, app_client, "dispatcher")  # restricted reports are not theirs to see
    page = (await app_client.get("/api/v1/dispatch/escalations", headers=dispatcher)).json()
    assert [item["report"]["number"] for item in page["items"]] == [ordinary.number]

    patrol = await _as(ctx, app_client, "patrol_officer")
    assert (await app_client.get("/api/v1/dispatch/escalations", headers=patrol)).status_code == 403

    first = (await app_client.get("/api/v1/dispatch/escalations?limit=1", headers=supervisor)).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = (await app_client.get(f"/api/v1/dispatch/escalations?limit=1&cursor={first['next_cursor']}",
                                   headers=supervisor)).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {item["id"] for item in listed.values()}
    tampered = await app_client.get("/api/v1/dispatch/escalations?cursor=x" + first["next_cursor"], headers=supervisor)
    assert (tampered.status_code, tampered.json()["code"]) == (400, "pagination.cursor_invalid")
