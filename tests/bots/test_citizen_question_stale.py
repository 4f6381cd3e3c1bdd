"""Staff's question ("needs your input") told in the chat late (a queue behind, Telegram's flood control) once the
question has ended: a step that withdrew it unanswered (the report closed, a unit assigned) told the citizen no answer
is needed, and their own answer ended it too. The chat then got the question after that notice, with its Reply button
while the report stayed open. The push's rule (backend.notifications.pushes.old_news_to_citizen) drops it, as it
drops the app's push; the question still standing is sent. Real aiogram against the fake Bot API, real workflow."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.lib.i18n import pick
from backend.reports import service as reports
from backend.reports.models import ReportEvent
from backend.reports.service import By
from backend.reports.views import citizen_status
from backend.reports.workflow import Action, Actor, Outcome, Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event, update_view
from tests.bots.test_citizen_reply import OFFICER, REASON, _asked
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio
USER = 737500


async def _step(ctx: Context, report_id: uuid.UUID, action: Action, by: By = OFFICER,
                outcome: Outcome | None = None) -> ReportEvent:
    async with ctx.sessions() as session:
        report = await reports.lock(session, report_id)
        assert report is not None
        event = await reports.change_status(session, report, action, by, outcome=outcome)
        await session.commit()
    return event


@pytest.mark.parametrize("restricted", [False, True])
async def test_a_question_withdrawn_by_closing_is_not_told_after_no_need_to_answer(ctx: Context, citizen_tg: FakeBot,
                                                                                  restricted: bool) -> None:
    chat_id = USER + int(restricted)
    linked = await citizen_bot.link_chat(ctx, user_id=chat_id, chat_id=chat_id, language="ru")
    report, asked = await _asked(ctx, linked.citizen_id, category="domestic_violence" if restricted else "theft",
                                 restricted=restricted)
    closed = await _step(ctx, report.id, Action.RESOLVE, outcome=Outcome.WARNING)  # before the question was told
    assert await notify_report_event(ctx, report, closed) is True  # the notice that no answer is needed
    assert await notify_report_event(ctx, report, asked) is False  # the question, late: old news
    assert len(citizen_tg.sent_messages(chat_id)) == 1


async def test_a_question_withdrawn_by_a_unit_assigned_is_not_told_with_its_reply_button(ctx: Context,
                                                                                       citizen_tg: FakeBot) -> None:
    """The report stays open: the late question came with "Reply", asking for an answer no one waits for."""
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 2, chat_id=USER + 2, language="ru")
    report, asked = await _asked(ctx, linked.citizen_id)
    assigned = await _step(ctx, report.id, Action.ASSIGN)  # the unit holding it sent (dispatch's step, recorded)
    assert await notify_report_event(ctx, report, asked) is False
    assert await notify_report_event(ctx, report, assigned) is True
    [told] = citizen_tg.sent_messages(USER + 2)
    assert REASON not in (told.text or "") and "Ответить" not in str(told.inline_keyboard), told.text


async def test_a_question_answered_is_not_told_but_a_standing_one_is(ctx: Context, citizen_tg: FakeBot) -> None:
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 3, chat_id=USER + 3, language="ru")
    report, asked = await _asked(ctx, linked.citizen_id)
    standing, still = await _asked(ctx, linked.citizen_id)
    await _step(ctx, report.id, Action.REPORTER_REPLIED, By(Actor.CITIZEN, str(linked.citizen_id), "telegram"))
    assert await notify_report_event(ctx, report, asked) is False
    assert await notify_report_event(ctx, standing, still) is True
    [told] = citizen_tg.sent_messages(USER + 3)
    assert REASON in (told.text or "") and "Ответить" in str(told.inline_keyboard), told.text


@pytest.mark.parametrize("ended_by", ["answered", "withdrawn"])
async def test_show_tapped_after_the_question_ended_reveals_the_report_as_it_is_now(ctx: Context,
                                                                                   citizen_tg: FakeBot,
                                                                                   ended_by: str) -> None:
    """A restricted report's question went out discreetly ("Show"); it ended before the citizen tapped Show (their
    answer, or a unit assigned: a step that withdrew it). Revealed, it said "needs your input" with the question, as
    if an answer were still awaited; now the report's state as it is, and that no answer is needed."""
    chat_id = USER + 10 + (ended_by == "withdrawn")
    linked = await citizen_bot.link_chat(ctx, user_id=chat_id, chat_id=chat_id, language="ru")
    report, asked = await _asked(ctx, linked.citizen_id, category="domestic_violence", restricted=True)
    assert await notify_report_event(ctx, report, asked) is True  # the discreet "there is an update"
    while_asked = await update_view(ctx, str(asked.id), linked.citizen_id, "ru")
    assert while_asked is not None and REASON in while_asked[0]  # still standing: the question, with Reply
    if ended_by == "answered":
        await _step(ctx, report.id, Action.REPORTER_REPLIED, By(Actor.CITIZEN, str(linked.citizen_id), "telegram"))
    else:
        await _step(ctx, report.id, Action.ASSIGN)
    view = await update_view(ctx, str(asked.id), linked.citizen_id, "ru")
    assert view is not None
    text, markup = view
    awaiting = pick(citizen_status(Status.AWAITING_REPORTER)[1], "ru")
    assert awaiting not in text and REASON not in text, text
    assert report.number in text and "больше не ждёт ответа" in text, text
    assert "Ответить" not in str(markup), markup
