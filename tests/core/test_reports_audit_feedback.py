"""A citizen's written feedback outlives the appeal that clears the rating: it is kept in the sealed history."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report, ReportEvent
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close

pytestmark = pytest.mark.anyio


# the comment lived only on the report row, which an appeal clears: the citizen's words were lost for good
async def test_the_feedback_comment_stays_in_the_history_after_an_appeal(ctx: Context,
                                                                         citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Украли велосипед из подъезда")).json()["id"]
    await close(ctx, report_id)
    rated = await citizen.post(f"/api/v1/reports/{report_id}/feedback",
                               {"satisfaction": 1, "comment": "Никто не приехал, на звонки не отвечали"})
    assert rated.status_code == 200, rated.text
    reopened = await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "никто не приезжал"})
    assert reopened.status_code == 200 and reopened.json()["satisfaction"] is None

    await close(ctx, report_id)
    assert (await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 4})).status_code == 200
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        ratings = [e.data for e in await session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == uuid.UUID(report_id),  # type: ignore[arg-type]
                                      ReportEvent.action == "feedback")  # type: ignore[arg-type]
            .order_by(ReportEvent.created_at))]  # type: ignore[arg-type]
    assert report is not None and (report.satisfaction, report.feedback_comment) == (4, None)
    # each closing's rating, with the words that came with it (none with the second)
    assert ratings == [{"satisfaction": 1, "comment": "Никто не приехал, на звонки не отвечали"},
                       {"satisfaction": 4}]
