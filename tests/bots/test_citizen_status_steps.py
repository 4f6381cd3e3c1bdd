"""A status message about a report carries the step buttons /reports shows under it in its state: Withdraw under an
open report, Appeal and the stars under a closed one, acting through own_steps' checks (a status message of a report
reopened since refuses its stale buttons as out of date), also once a discreet update is shown. Updates go through
the real dispatcher one by one; real aiogram against the fake Bot API."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.reports.models import ReportEvent
from backend.reports.workflow import Action, Resolution, Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_own_steps import _events, _filed, _report
from tests.bots.test_citizen_reply import _asked
from tests.fakes.telegram import FakeBot, SentMessage

pytestmark = pytest.mark.anyio


async def _linked(ctx: Context, chat: Chat, lang: str) -> citizen_bot.ChatUser:
    return await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language=lang, chosen=True)


async def _told(ctx: Context, chat: Chat, event: ReportEvent) -> SentMessage:
    report = await _report(ctx, event.report_id)
    assert await notify_report_event(ctx, report, event) is True
    return chat.last()


async def test_an_open_reports_status_message_offers_withdraw(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794001)
    linked = await _linked(ctx, chat, "ru")
    report, event = await _asked(ctx, linked.citizen_id)  # staff's question: "Reply", and the report is open
    pushed = await _told(ctx, chat, event)
    assert pushed.button("Ответить")["callback_data"] == f"reply:{report.id}"
    assert pushed.button(f"Отозвать № {report.number}")["callback_data"] == f"withdraw:{report.id}:0"
    with pytest.raises(LookupError):
        pushed.button("⭐")  # an open report is not rated

    await chat.feed(citizen_tg.user_taps_button(pushed, f"withdraw:{report.id}:0", user=chat.user))
    assert f"Отозвать обращение № {report.number}?" in chat.texts()[-1]  # asked first, as from /reports
    await chat.taps(f"withdraw:yes:{report.id}:0")
    assert f"Обращение № {report.number} отозвано" in chat.texts()[-1]
    done = await _report(ctx, report.id)
    assert (done.status, done.resolution) == (Status.CLOSED, Resolution.WITHDRAWN)


async def test_a_closed_reports_status_message_offers_appeal_and_stars(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794002)
    linked = await _linked(ctx, chat, "kk")
    report = await _filed(ctx, linked.citizen_id, closed=True)
    [closing] = await _events(ctx, report.id, Action.RESOLVE.value)
    pushed = await _told(ctx, chat, closing)
    assert f"Өтініш № {report.number}" in (pushed.text or "")
    assert pushed.button(f"№ {report.number} бойынша шағымдану")["callback_data"] == f"appeal:{report.id}:0"
    assert pushed.button("4⭐")["callback_data"] == f"rate:{report.id}:0:4"
    with pytest.raises(LookupError):
        pushed.button("кері қайтарып алу")  # a closed report is not withdrawn

    await chat.feed(citizen_tg.user_taps_button(pushed, f"rate:{report.id}:0:4", user=chat.user))
    assert f"№ {report.number} өтініш бойынша бағаңыз: 4⭐" in chat.texts()[-1]
    assert (await _report(ctx, report.id)).satisfaction == 4


async def test_a_status_messages_buttons_of_a_report_reopened_since_are_refused(ctx: Context,
                                                                              citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794003)
    linked = await _linked(ctx, chat, "en")
    report = await _filed(ctx, linked.citizen_id, closed=True)
    [closing] = await _events(ctx, report.id, Action.RESOLVE.value)
    pushed = await _told(ctx, chat, closing)

    await chat.feed(citizen_tg.user_taps_button(pushed, f"appeal:{report.id}:0", user=chat.user))
    assert "why you disagree" in chat.texts()[-1]
    await chat.says("Nobody came to look at the car")
    assert f"Your appeal on report No. {report.number} is filed" in chat.texts()[-1]

    # the closing the message's buttons judged is gone: refused as out of date, nothing done
    for data in (f"rate:{report.id}:0:5", f"appeal:{report.id}:0"):
        await chat.feed(citizen_tg.user_taps_button(pushed, data, user=chat.user))
        assert "This button is out of date" in chat.texts()[-1] and report.number in chat.texts()[-1]
    after = await _report(ctx, report.id)
    assert (after.status, after.reopen_count, after.satisfaction) == (Status.REOPENED, 1, None)


async def test_a_discreet_update_shown_carries_the_buttons(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794004)
    linked = await _linked(ctx, chat, "ru")
    report, event = await _asked(ctx, linked.citizen_id, category="domestic_violence", restricted=True)
    pushed = await _told(ctx, chat, event)
    assert report.number not in str(pushed.inline_keyboard)  # the lock screen names nothing, buttons neither
    await chat.feed(citizen_tg.user_taps_button(pushed, f"update:{event.id}", user=chat.user))
    shown = next(m for m in citizen_tg.sent_messages(chat.id) if m.message_id == pushed.message_id)
    assert shown.button(f"Отозвать № {report.number}")["callback_data"] == f"withdraw:{report.id}:0"
