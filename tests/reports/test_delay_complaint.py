"""A citizen complains that their report is still open past its deadline (POST /api/v1/reports/{id}/complaint):
before, they could only wait, or appeal once it closed. The complaint shows in their timeline and reaches the
region's supervisors as an escalation (listed, pushed, in the duty bot); one per deadline. Real app, the citizen's
real intake, PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.dispatch.models import Escalation
from backend.jobs.models import OutboxTask
from backend.lib.clock import utcnow
from backend.reports.models import Report
from tests.helpers import PartnerClient, make_iin
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
REASON = "Прошло больше месяца, никто не приехал и не позвонил"


async def _overdue(ctx: Context, citizen: PartnerClient) -> str:
    """A citizen's report, still open, its deadline passed yesterday."""
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    report_id: str = created.json()["id"]
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        report.deadline_at = report.original_deadline_at = utcnow() - timedelta(days=1)
        await session.commit()
    return report_id


async def _complain(citizen: PartnerClient, report_id: str, reason: str = REASON, **headers: str) -> httpx.Response:
    return await citizen.post(f"/api/v1/reports/{report_id}/complaint", {"reason": reason}, headers=headers)


async def test_the_complaint_reaches_the_supervisors_once(ctx: Context, app_client: httpx.AsyncClient,
                                                          citizen: PartnerClient) -> None:
    report_id = await _overdue(ctx, citizen)
    filed = await _complain(citizen, report_id, **{"Accept-Language": "kk"})
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] != "closed"  # the report goes on
    assert "басшылыққа жіберілді" in filed.json()["timeline"][-1]["text"]
    # the same complaint again (a retry without a key) is the same one complaint; another one is refused
    assert (await _complain(citizen, report_id)).status_code == 200
    again = await _complain(citizen, report_id, "Ещё раз жалуюсь")
    assert (again.status_code, again.json()["code"]) == (409, "report.complaint_filed"), again.text

    async with ctx.sessions() as session:
        escalations = list(await session.scalars(select(Escalation).where(
            col(Escalation.report_id) == uuid.UUID(report_id))))
        told = list(await session.scalars(select(OutboxTask).where(
            col(OutboxTask.task).in_(("notifications.escalation", "officer_bot.escalation")))))
    assert [e.kind for e in escalations] == ["delay_complaint"] and len(told) == 2
    supervisor, password = await make_officer(ctx, role="supervisor")
    listed = await app_client.get("/api/v1/dispatch/escalations",
                                  headers=bearer(await login(app_client, supervisor.badge_number, password)))
    assert listed.status_code == 200, listed.text
    assert [(item["kind"], item["report"]["id"]) for item in listed.json()["items"]] == [
        ("delay_complaint", report_id)]


async def test_only_an_open_report_past_its_deadline(ctx: Context, app_client: httpx.AsyncClient,
                                                     citizen: PartnerClient) -> None:
    running = (await citizen.submit()).json()["id"]
    early = await _complain(citizen, running)
    assert (early.status_code, early.json()["code"]) == (409, "report.term_running"), early.text
    report_id = await _overdue(ctx, citizen)
    other = PartnerClient(app_client, citizen.partner_id, citizen.secret, make_iin(77))
    assert (await _complain(other, report_id)).status_code == 404  # not theirs
    blank = await _complain(citizen, report_id, "   ")
    assert blank.status_code == 422 and blank.json()["errors"][0]["pointer"] == "/reason", blank.text
    withdrawn = await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "сами разобрались"})
    assert withdrawn.status_code == 200, withdrawn.text
    closed = await _complain(citizen, report_id)
    assert (closed.status_code, closed.json()["code"]) == (409, "report.transition_forbidden"), closed.text
