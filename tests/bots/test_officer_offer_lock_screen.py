"""An urgent offer of a restricted report (domestic violence, children, a complaint about the police) in the duty
bot: a chat's messages show on the lock screen and in the chat list, so the offer shows neither the category's name,
nor the exact place, nor the text, as the escalation and the report's card do (bots.officer.cards). It named the
category and gave the coordinates, hiding only the text."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.reports.workflow import Status
from bots.officer import service as duty
from bots.officer.push import offer_text, push_urgent_report
from tests.bots.conftest import link_code
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
FAMILY = 884001
LAT, LON = 51.16052, 71.47041
SECRET_WORDS = ("Муж бьёт жену", "Бытовое насилие", "Тұрмыстық", "Domestic violence", "51.16052", "71.47041")


async def test_a_restricted_urgent_offer_shows_no_category_place_or_text(ctx: Context, officer_bot: FakeBot) -> None:
    crew = await make_unit(ctx, district="astana", department="district_inspector",
                           restricted_categories=["domestic_violence"])
    officer, _ = await make_officer(ctx, role="patrol_officer", district="astana", unit=crew)
    assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=FAMILY) is not None
    assert await duty.toggle_shift(ctx, chat_id=FAMILY) is True
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent", district="astana",
                                   category="domestic_violence", department="district_inspector", restricted=True,
                                   text="Муж бьёт жену прямо сейчас", lat=LAT, lon=LON)
        await session.commit()

    assert await push_urgent_report(ctx, report) == 1
    offer = await officer_bot.wait_for_message_async(FAMILY, contains=report.number)
    text = offer.text or ""
    assert "ограниченным доступом" in text  # the officer still learns there is one, and where to read it
    assert not [word for word in SECRET_WORDS if word in text], text
    for lang in ("kk", "en"):
        other = offer_text(report, lang)
        assert report.number in other and not [word for word in SECRET_WORDS if word in other], other


async def test_an_ordinary_urgent_offer_keeps_its_category_and_place(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent", district="astana",
                                   category="public_order", text="Драка у подъезда", lat=LAT, lon=LON)
    text = offer_text(report, "ru")
    assert "51.16052" in text and "Драка у подъезда" in text and "ограниченным доступом" not in text
