"""A partner app developer's audit of the citizen's journey (2026-12-06). Each test failed on the code before its
fix."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.partners import service as partners
from backend.partners.models import Partner
from backend.reports.models import Report
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close, events_of, settled_report

pytestmark = pytest.mark.anyio
BASE = "/api/v1/reports"


async def _disable(ctx: Context, partner_id: str) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(Partner).where(Partner.id == uuid.UUID(partner_id)).values(active=False))
        await session.commit()


# a disabled app's correctly signed requests were answered 401 auth.signature_invalid: its developers hunted a
# signing bug, and a 401 tells the app to sign its citizen in again
async def test_a_disabled_partner_is_told_it_is_disabled(ctx: Context, citizen: PartnerClient,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    filed = await citizen.submit("Украли велосипед из подъезда")
    assert filed.status_code == 201, filed.text
    await _disable(ctx, citizen.partner_id)
    monkeypatch.setattr(partners, "_SECRET_CACHE_TTL_S", 0.0)  # the minute the secret cache keeps it has passed
    for lang, title in (("kk", "Серіктес қосымша өшірілген"), ("ru", "Партнёрское приложение отключено"),
                        ("en", "The partner application is disabled")):
        citizen.lang = lang
        for refused in (await citizen.get(f"{BASE}/{filed.json()['id']}"), await citizen.submit("Украли телефон")):
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            body = refused.json()
            assert body["code"] == "auth.partner_disabled" and body["title"].startswith(title), body
    # whoever does not hold its secret learns nothing: a wrong signature is a wrong signature
    forged = PartnerClient(citizen.http, citizen.partner_id, "not-the-secret", citizen.iin)
    wrong = await forged.get(BASE)
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.signature_invalid", wrong.text


# APPK art. 92: a complaint is due within three months of the decision; one filed later is still taken (p.3), but its
# reasons for the delay are ascertained when it is considered. Nothing told staff an appeal was late
async def test_a_late_appeal_is_taken_and_marked_late_for_whoever_considers_it(ctx: Context,
                                                                               citizen: PartnerClient) -> None:
    timely, late = (await settled_report(ctx, citizen), await settled_report(ctx, citizen, "Украли телефон"))
    for report_id in (timely, late):
        await close(ctx, report_id)
    async with ctx.sessions() as session:  # the decision was told four months ago
        await session.execute(update(Report).where(Report.id == uuid.UUID(late))
                              .values(closed_at=utcnow() - timedelta(days=122)))
        await session.commit()
    for report_id in (timely, late):
        appealed = await citizen.post(f"{BASE}/{report_id}/reopen", {"reason": "Никто не приезжал"})
        assert appealed.status_code == 200 and appealed.json()["status"] == "under_review", appealed.text
    [on_time] = await events_of(ctx, timely, "reopen")
    assert "appeal_term_missed" not in on_time.data and on_time.internal_note is None
    [past] = await events_of(ctx, late, "reopen")
    assert past.data["appeal_term_missed"] is True and past.data["appeal_term_ended_at"], past.data
    assert past.internal_note and "APPK art. 92" in past.internal_note
