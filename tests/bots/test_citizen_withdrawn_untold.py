"""A chat message about a report event that its citizen withdrew the report after is not sent, as the app's push
about it is dropped (backend.notifications.delivery): the `notifications.telegram` task runs late (a queue behind,
Telegram's 429 retried) and told "needs your input", with a Reply button, about a report the citizen had taken
back. What comes after the withdrawal is news and goes. Real aiogram against the fake Bot API."""

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
USER = 738101
DISPATCHER = By(Actor.DISPATCHER, "d1", "console")


async def test_an_update_before_the_citizen_withdrew_is_not_told(ctx: Context, citizen_tg: FakeBot) -> None:
    linked = await citizen_bot.link_chat(ctx, user_id=USER, chat_id=USER, language="ru", chosen=True)
    partner_id = await citizen_bot.bot_partner_id(ctx)
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, linked.citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                   partner_id=partner_id)
        asked = await reports.change_status(session, report, Action.REQUEST_INFO, DISPATCHER, reason="Укажите адрес")
        withdrawn = await reports.change_status(session, report, Action.WITHDRAW,
                                                By(Actor.CITIZEN, str(citizen.id), "telegram"), reason="Разобрались")
        await session.commit()

    assert not await notify_report_event(ctx, report, asked)
    assert await notify_report_event(ctx, report, withdrawn)  # the withdrawal itself is told
    await citizen_tg.wait_for_message_async(USER, contains=report.number)
    told = [message.text or "" for message in citizen_tg.sent_messages(USER)]
    assert len(told) == 1 and "Нужны ваши сведения" not in told[0], told
