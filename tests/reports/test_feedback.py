"""A citizen rates how their report was closed: once per closing, and never a report they withdrew themselves."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.lib.messages import ERRORS
from backend.reports.models import Report, ReportEvent
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close

pytestmark = pytest.mark.anyio


async def feedback_events(ctx: Context, report_id: str) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ReportEvent).where(
            ReportEvent.report_id == uuid.UUID(report_id), ReportEvent.action == "feedback")) or 0)  # type: ignore[arg-type]


async def stored_rating(ctx: Context, report_id: str) -> tuple[int | None, str | None]:
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report.satisfaction, report.feedback_comment


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_report_the_citizen_withdrew_cannot_be_rated(ctx: Context, citizen: PartnerClient, lang: str) -> None:
    citizen.lang = lang
    report_id = (await citizen.submit("Украли велосипед из подъезда")).json()["id"]
    assert (await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "Нашёлся"})).status_code == 200
    rated = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 5, "comment": "ок"})
    assert rated.status_code == 409, rated.text
    assert rated.json()["code"] == "report.feedback_not_allowed"
    assert rated.json()["title"] == ERRORS["report.feedback_not_allowed"][lang]
    assert await stored_rating(ctx, report_id) == (None, None) and await feedback_events(ctx, report_id) == 0


async def test_a_closing_is_rated_once_and_a_new_closing_after_an_appeal_once_more(ctx: Context,
                                                                                   citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Украли велосипед из подъезда")).json()["id"]
    path = f"/api/v1/reports/{report_id}/feedback"
    await close(ctx, report_id)
    first = await citizen.post(path, {"satisfaction": 4, "comment": "спасибо"})
    assert first.status_code == 200 and first.json()["satisfaction"] == 4

    citizen.lang = "kk"
    again = await citizen.post(path, {"satisfaction": 1, "comment": "передумал"})
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "report.feedback_given"
    assert again.json()["title"] == ERRORS["report.feedback_given"]["kk"]
    # the first rating stands, and the record has it once
    assert await stored_rating(ctx, report_id) == (4, "спасибо") and await feedback_events(ctx, report_id) == 1
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["satisfaction"] == 4

    # an appeal reopens the report; its next closing is a new one, rated on its own, once
    assert (await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "никто не приезжал"})).status_code \
        == 200
    reopened = await citizen.post(path, {"satisfaction": 2})
    assert reopened.status_code == 409 and reopened.json()["code"] == "report.feedback_not_allowed"  # open again
    await close(ctx, report_id)
    second = await citizen.post(path, {"satisfaction": 2})
    assert second.status_code == 200 and second.json()["satisfaction"] == 2
    assert (await citizen.post(path, {"satisfaction": 5})).json()["code"] == "report.feedback_given"
    assert await stored_rating(ctx, report_id) == (2, None) and await feedback_events(ctx, report_id) == 2


def test_feedback_refusals_have_texts_in_every_language() -> None:
    for code in ("report.feedback_not_allowed", "report.feedback_given"):
        assert set(ERRORS[code]) == {"ru", "kk", "en"} and all(ERRORS[code].values()), code
