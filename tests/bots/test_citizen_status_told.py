"""The chat tells each update with the status that update left the report in: the message goes out after the event,
often after later steps (a queue behind, Telegram's rate limit), and "needs your input" arrived as "closed". Real
aiogram against the fake Bot API."""

from __future__ import annotations

import pytest

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio
USER = 738100
DISPATCHER = By(Actor.DISPATCHER, "d1", "console")


async def test_an_update_told_after_later_steps_keeps_its_own_status(ctx: Context, citizen_tg: FakeBot) -> None:
    linked = await citizen_bot.link_chat(ctx, user_id=USER, chat_id=USER, language="ru", chosen=True)
    partner_id = await citizen_bot.bot_partner_id(ctx)
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, linked.citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                   partner_id=partner_id)
        asked = await reports.change_status(session, report, Action.REQUEST_INFO, DISPATCHER, reason="Укажите адрес")
        await reports.change_status(session, report, Action.CLOSE_UNFOUNDED, DISPATCHER,
                                    reason="Не подтвердилось")
        await session.commit()
    assert report.status == Status.CLOSED
    assert await notify_report_event(ctx, report, asked)
    told = await citizen_tg.wait_for_message_async(USER, contains=report.number)
    assert "Нужны ваши сведения" in (told.text or "") and "Закрыто" not in (told.text or ""), told.text
