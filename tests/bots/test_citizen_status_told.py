"""What the chat tells of a report event that is told late (a queue behind, Telegram's rate limit retried), after
later steps. Real aiogram against the fake Bot API.

1. Each update is told with the status that update left the report in: "in work" arrived as "closed". (Staff's
   question told after it ended, "closed" among its ends, is not told at all: test_citizen_question_stale.)
2. An update about an event its citizen withdrew the report after is not told, as the app's push about it is dropped
   (backend.notifications.delivery): it told "needs your input", with a Reply button, about a report the citizen had
   taken back. What comes after the withdrawal is news and goes.
"""

from __future__ import annotations

import pytest

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio
USER = 738100
DISPATCHER = By(Actor.DISPATCHER, "d1", "console")


async def _asked_then(ctx: Context, user: int, then: Action, first: Action = Action.REQUEST_INFO,
                      status: Status = Status.IN_PROGRESS) -> tuple[Report, ReportEvent, ReportEvent]:
    """A bot citizen's report in `status`, staff's `first` step on it (a question), and then `then` (by staff, or
    the citizen's withdrawal): the report, the first step's event and the later one."""
    linked = await citizen_bot.link_chat(ctx, user_id=user, chat_id=user, language="ru", chosen=True)
    partner_id = await citizen_bot.bot_partner_id(ctx)
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, linked.citizen_id)
        report = await make_report(session, status=status, citizen=citizen, category="theft",
                                   partner_id=partner_id)
        asked = await reports.change_status(session, report, first, DISPATCHER,
                                            reason="Укажите адрес" if first is Action.REQUEST_INFO else None)
        by = By(Actor.CITIZEN, str(linked.citizen_id), "telegram") if then is Action.WITHDRAW else DISPATCHER
        later = await reports.change_status(session, report, then, by, reason="Не подтвердилось")
        await session.commit()
    return report, asked, later


async def test_an_update_told_after_later_steps_keeps_its_own_status(ctx: Context, citizen_tg: FakeBot) -> None:
    report, started, _ = await _asked_then(ctx, USER, Action.CLOSE_UNFOUNDED, Action.START_WORK, Status.ASSIGNED)
    assert report.status == Status.CLOSED
    assert await notify_report_event(ctx, report, started)
    told = await citizen_tg.wait_for_message_async(USER, contains=report.number)
    assert "В работе" in (told.text or "") and "Закрыто" not in (told.text or ""), told.text


async def test_an_update_before_the_citizen_withdrew_is_not_told(ctx: Context, citizen_tg: FakeBot) -> None:
    report, asked, withdrawn = await _asked_then(ctx, USER + 1, Action.WITHDRAW)
    assert not await notify_report_event(ctx, report, asked)
    assert await notify_report_event(ctx, report, withdrawn)  # the withdrawal itself is told
    await citizen_tg.wait_for_message_async(USER + 1, contains=report.number)
    told = [message.text or "" for message in citizen_tg.sent_messages(USER + 1)]
    assert len(told) == 1 and "Нужны ваши сведения" not in told[0], told
