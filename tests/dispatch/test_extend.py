"""Extending the legal deadline (law on appeals, APPK art. 76 p.3): a reasoned decision of the head (supervisor or
admin, not the duty officer) extends a term that is still running; a lapsed one was missed and is not "extended"
(audit 2026-12-05)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import ALMATY, as_utc, utcnow
from backend.lib.errors import ZanError
from backend.lib.messages import ERRORS
from backend.reports import service
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Actor
from tests.core.factories import make_report, triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _headers(ctx: Context, http: httpx.AsyncClient, role: str, lang: str = "ru") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return {**bearer(await login(http, officer.badge_number, password)), "Accept-Language": lang}


async def _report(ctx: Context, deadline: datetime | None = None) -> Report:
    report = await triage_report(ctx, department="patrol_police")
    if deadline is not None:
        async with ctx.sessions() as session:
            row = await session.get(Report, report.id)
            assert row is not None
            row.deadline_at = row.original_deadline_at = deadline
            await session.commit()
    return report


async def _trail(ctx: Context, report_id: uuid.UUID) -> tuple[list[str], list[str], Report]:
    async with ctx.sessions() as session:
        events = list(await session.scalars(select(ReportEvent.action).where(  # type: ignore[call-overload]
            ReportEvent.report_id == report_id)))  # type: ignore[arg-type]
        audit = list(await session.scalars(select(AuditLog.action).where(  # type: ignore[call-overload]
            AuditLog.target_id == str(report_id))))  # type: ignore[arg-type]
        report = await session.get(Report, report_id)
    assert report is not None
    return events, audit, report


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_lapsed_term_is_not_extended(ctx: Context, app_client: httpx.AsyncClient, lang: str) -> None:
    lapsed = utcnow() - timedelta(days=3)
    report = await _report(ctx, lapsed)
    response = await app_client.post(
        f"/api/v1/dispatch/reports/{report.id}/extend", headers=await _headers(ctx, app_client, "supervisor", lang),
        json={"deadline_at": (utcnow() + timedelta(days=5)).isoformat(), "reason": "нужна проверка"})
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "report.term_lapsed" and problem["title"] == ERRORS["report.term_lapsed"][lang]
    events, audit, row = await _trail(ctx, report.id)
    # the citizen was told of no "extension", the term stands as missed, nothing was audited as an extension
    assert "extend" not in events and "report.extend" not in audit
    assert as_utc(row.deadline_at) == lapsed


@pytest.mark.parametrize("role", ["supervisor", "admin"])
async def test_the_head_extends_a_running_term(ctx: Context, app_client: httpx.AsyncClient, role: str) -> None:
    report = await _report(ctx)
    new = as_utc(report.original_deadline_at) + timedelta(days=10)
    # a working day: a named day off ends on the next working day (APPK art. 76 p.5), which ten days after a term
    # registered on some days is (it failed a run just after midnight in Almaty, the deadline then a Saturday's)
    while not ctx.calendar.is_working_day(new.astimezone(ALMATY).date()):
        new += timedelta(days=1)
    response = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/extend",
                                     headers=await _headers(ctx, app_client, role),
                                     json={"deadline_at": new.isoformat(), "reason": "нужна экспертиза"})
    assert response.status_code == 200, response.text
    events, audit, row = await _trail(ctx, report.id)
    assert "extend" in events and "report.extend" in audit and as_utc(row.deadline_at) == new


async def test_the_duty_officer_may_not_extend(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await _report(ctx)
    response = await app_client.post(
        f"/api/v1/dispatch/reports/{report.id}/extend", headers=await _headers(ctx, app_client, "dispatcher"),
        json={"deadline_at": (as_utc(report.original_deadline_at) + timedelta(days=10)).isoformat(),
              "reason": "нужна экспертиза"})
    assert response.status_code == 403, response.text
    events, audit, row = await _trail(ctx, report.id)
    assert "extend" not in events and "report.extend" not in audit
    assert as_utc(row.deadline_at) == as_utc(report.original_deadline_at)


@pytest.mark.parametrize("actor", [Actor.DISPATCHER, Actor.SYSTEM, Actor.PATROL_OFFICER])
async def test_the_service_itself_refuses_others_than_the_head(ctx: Context, actor: Actor) -> None:
    """Whoever calls the service (a bot, a job), the rule is the law's, not the endpoint's."""
    async with ctx.sessions() as session:
        report = await make_report(session)
        with pytest.raises(ZanError) as refused:
            await service.extend_deadline(session, report, report.original_deadline_at + timedelta(days=10),
                                          "экспертиза", service.By(actor, "x", "console"))
    assert (refused.value.code, refused.value.status) == ("auth.forbidden", 403)
