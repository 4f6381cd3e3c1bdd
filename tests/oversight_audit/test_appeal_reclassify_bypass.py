"""The officer whose closing a citizen appeals decides it anyway, by reclassifying the anonymous report into
a category the law takes only from a named applicant: routing.corrections.refuse_anonymous closes it as SYSTEM."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.errors import ZanError
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from tests.core.factories import triage_report

pytestmark = pytest.mark.anyio
X = By(Actor.DISPATCHER, str(uuid.uuid4()), "console")


async def test_the_closer_may_not_decide_the_appeal_by_reclassifying(ctx: Context) -> None:
    report = await triage_report(ctx, department="patrol_police", category="other_offence", anonymous=True)
    async with ctx.sessions() as session:
        row = await reports.lock(session, report.id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", X, reason="не подтвердилось")
        await session.commit()
    async with ctx.sessions() as session:
        row = await reports.lock(session, report.id)
        assert row is not None
        await reports.reopen(session, row, By(Actor.CITIZEN, str(row.citizen_id), "egov"), "никто не приезжал")
        await session.commit()
    async with ctx.sessions() as session:
        row = await reports.lock(session, report.id)
        assert row is not None and row.status == Status.REOPENED.value
        try:
            await corrections.reclassify(session, row, "traffic_violation", "уточнено", X)
        except ZanError as exc:  # refused outright: also acceptable
            assert exc.code == "report.appeal_own_decision"
            return
        await session.commit()
    async with ctx.sessions() as session:
        after = await session.get(Report, report.id)
    assert after is not None
    # X's reclassification closed the appeal against X's own closing (the system's reject stood in for X)
    assert after.status != Status.CLOSED.value, (after.status, after.resolution)
