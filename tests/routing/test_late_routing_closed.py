"""Routing that finishes after staff closed the report (redirected it from the queue while the model was away, or
its citizen withdrew it): the closing stands on the report as it was. The late guess rewrote its category and
redirect term, and a report redirected past its term dropped off the prosecutors' list of missed terms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.context import Context
from backend.lib.clock import as_utc, utcnow
from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status
from backend.routing import jobs
from tests.core.factories import make_report
from tests.routing.test_late_routing import decision

pytestmark = pytest.mark.anyio


async def test_late_routing_leaves_a_closed_reports_category_and_terms(ctx: Context) -> None:
    due = utcnow() - timedelta(days=2)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.CLOSED, resolution=Resolution.REDIRECTED,
                                   category="not_police", department="akimat", priority="low",
                                   routing_state="failed", redirect_due_at=due, closed_at=utcnow())
        await session.commit()

    await jobs._apply(ctx, report.id, decision("theft", restricted=False, priority="high"), None)

    async with ctx.sessions() as session:
        got = await session.get(Report, report.id)
    assert got is not None and got.routing_state == "done"
    assert (got.status, got.category, got.department, got.priority) == ("closed", "not_police", "akimat", "low")
    assert got.redirect_due_at is not None and as_utc(got.redirect_due_at) == as_utc(due)
