"""The audit line of an extension records the term the report got, not the instant the console sent.

Before: a console's date picker sends the day's start (00:00 Almaty); the report's term runs to that day's end
(23:59:59), and the audit line said 00:00, a term nobody was given."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import ALMATY, as_utc
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def test_the_audit_line_names_the_term_the_report_got(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police")
    head, password = await make_officer(ctx, role="supervisor")
    day = as_utc(report.original_deadline_at).astimezone(ALMATY).date() + timedelta(days=10)
    headers = bearer(await login(app_client, head.badge_number, password))
    picked = datetime.combine(day, time(0, 0), tzinfo=ALMATY).isoformat()  # what a console's date picker sends
    response = await app_client.post(
        f"/api/v1/dispatch/reports/{report.id}/extend",
        headers=headers,
        json={"deadline_at": picked, "reason": "экспертиза"},
    )
    assert response.status_code == 200, response.text

    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        extended = (col(AuditLog.target_id) == str(report.id)) & (col(AuditLog.action) == "report.extend")
        [audit] = await session.scalars(select(AuditLog).where(extended))
    assert row is not None
    assert datetime.fromisoformat(audit.data["deadline_at"]) == as_utc(row.deadline_at)
    assert as_utc(row.deadline_at).astimezone(ALMATY).time() == time(23, 59, 59)
