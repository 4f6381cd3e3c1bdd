"""/reports pages a citizen's reports ten at a time: "More" lists the older ones, so a report awaiting the
citizen's answer is reachable however many they filed since (only the newest ten used to be listed, and an older
report's "Reply" button with them). Real aiogram against the fake Bot API."""

from __future__ import annotations

import uuid

import pytest

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from bots.citizen import service as citizen_bot
from bots.citizen.follow_up import MORE_REPORTS
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 737900


async def _filed(ctx: Context, citizen_id: uuid.UUID, count: int) -> list[Report]:
    """`count` reports of the citizen through the bot, oldest first; the oldest awaits the citizen's answer."""
    partner_id = await citizen_bot.bot_partner_id(ctx)  # first: SQLite takes one session at a time
    filed = []
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, citizen_id)
        for _ in range(count):
            filed.append(await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                           partner_id=partner_id))
            await session.flush()
        await reports.change_status(session, filed[0], Action.REQUEST_INFO, By(Actor.DISPATCHER, "d1", "console"),
                                    reason="Укажите адрес")
        await session.commit()
    return filed


async def test_more_lists_the_older_reports_and_their_reply_buttons(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=USER, chat_id=USER, language="ru", chosen=True)
    filed = await _filed(ctx, linked.citizen_id, citizen_bot.REPORTS_PAGE + 2)
    newest_first = sorted(filed, key=lambda r: (r.created_at, r.id), reverse=True)

    tg.user_sends_text(USER, user, "/reports")
    first = await tg.wait_for_message_async(USER, contains="Ваши обращения")
    listed = [r.number for r in newest_first if r.number in (first.text or "")]
    assert listed == [r.number for r in newest_first[:citizen_bot.REPORTS_PAGE]]
    more = first.button("Ещё")["callback_data"]
    assert more == f"{MORE_REPORTS}{newest_first[citizen_bot.REPORTS_PAGE - 1].id}"

    # a report filed after the first page moves nothing on the next one
    await _filed(ctx, linked.citizen_id, 1)
    tg.user_taps_button(first, more, user=user)
    second = await tg.wait_for_message_async(USER, contains="Более ранние обращения")
    assert [r.number for r in newest_first if r.number in (second.text or "")] == \
        [r.number for r in newest_first[citizen_bot.REPORTS_PAGE:]]
    assert "Укажите адрес" in (second.text or "")  # the oldest report's question, and its "Reply"
    assert second.button(f"№ {filed[0].number}")["callback_data"] == f"reply:{filed[0].id}"
    with pytest.raises(LookupError):
        second.button("Ещё")  # nothing older


async def test_a_page_after_another_citizens_report_is_empty(ctx: Context) -> None:
    """The "More" button's data comes from the client: another citizen's report id pages nothing."""
    mine = await citizen_bot.link_chat(ctx, user_id=USER + 1, chat_id=USER + 1, language="kk")
    theirs = await citizen_bot.link_chat(ctx, user_id=USER + 2, chat_id=USER + 2, language="kk")
    await _filed(ctx, mine.citizen_id, 2)
    other = await _filed(ctx, theirs.citizen_id, 2)
    assert await citizen_bot.reports_page(ctx, mine.citizen_id, after=other[1].id) == ([], False)
    page, more = await citizen_bot.reports_page(ctx, mine.citizen_id, limit=1)
    assert len(page) == 1 and more
