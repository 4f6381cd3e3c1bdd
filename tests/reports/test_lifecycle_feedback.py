"""A rating belongs to the decision it judged. An appeal clears it from the report while the decision is
reconsidered; withdrawing the appeal puts the decision back in force, and its rating with it. Before, the report
came back unrated: its satisfaction was lost to every reader of the row, and the same decision could be rated a
second time."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.lib.messages import ERRORS
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close, events_of, report_row, settled_report

pytestmark = pytest.mark.anyio


async def test_withdrawing_an_appeal_brings_back_the_rating_of_the_decision_that_stands(
    ctx: Context, citizen: PartnerClient
) -> None:
    citizen.lang = "kk"
    report_id = await settled_report(ctx, citizen, "Көлігімді ауладан ұрлап кетті")
    base = f"/api/v1/reports/{report_id}"
    await close(ctx, report_id)
    rated = await citizen.post(f"{base}/feedback", {"satisfaction": 2, "comment": "ешкім келмеді"})
    assert rated.status_code == 200 and rated.json()["satisfaction"] == 2

    appealed = await citizen.post(f"{base}/reopen", {"reason": "Ешкім хабарласпады"})
    assert appealed.status_code == 200 and appealed.json()["satisfaction"] is None  # under reconsideration
    withdrawn = await citizen.post(f"{base}/withdraw", {"reason": "Шешілді"})
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert (body["status"], body["resolution"], body["satisfaction"]) == ("closed", "unfounded", 2)
    row = await report_row(ctx, report_id)
    assert (row.satisfaction, row.feedback_comment) == (2, "ешкім келмеді")

    again = await citizen.post(f"{base}/feedback", {"satisfaction": 5})
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "report.feedback_given"
    assert again.json()["title"] == ERRORS["report.feedback_given"]["kk"]
    # a retry of the first rating is that rating, not a new one
    repeated = await citizen.post(f"{base}/feedback", {"satisfaction": 2, "comment": "ешкім келмеді"})
    assert repeated.status_code == 200 and repeated.json()["satisfaction"] == 2
    assert len(await events_of(ctx, report_id, "feedback")) == 1


async def test_a_decision_never_rated_stays_unrated_after_an_appeal_is_withdrawn(
    ctx: Context, citizen: PartnerClient
) -> None:
    report_id = await settled_report(ctx, citizen)
    base = f"/api/v1/reports/{report_id}"
    await close(ctx, report_id)
    assert (await citizen.post(f"{base}/reopen", {"reason": "никто не приезжал"})).status_code == 200
    assert (await citizen.post(f"{base}/withdraw", {"reason": "решилось"})).json()["satisfaction"] is None
    rated = await citizen.post(f"{base}/feedback", {"satisfaction": 3}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert rated.status_code == 200 and rated.json()["satisfaction"] == 3


async def test_a_later_decision_keeps_its_own_rating_not_an_earlier_ones(ctx: Context, citizen: PartnerClient) -> None:
    """Appeal, a new decision rated, a second appeal withdrawn: the decision that stands is the second one."""
    report_id = await settled_report(ctx, citizen)
    base = f"/api/v1/reports/{report_id}"
    await close(ctx, report_id)
    assert (await citizen.post(f"{base}/feedback", {"satisfaction": 1})).status_code == 200
    assert (await citizen.post(f"{base}/reopen", {"reason": "никто не приезжал"})).status_code == 200
    await close(ctx, report_id)
    assert (await citizen.post(f"{base}/reopen", {"reason": "опять никто"})).status_code == 200
    assert (await citizen.post(f"{base}/withdraw", {"reason": "решилось"})).json()["satisfaction"] is None
    assert (await citizen.post(f"{base}/feedback", {"satisfaction": 4})).json()["satisfaction"] == 4
