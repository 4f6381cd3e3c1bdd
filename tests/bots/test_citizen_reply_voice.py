"""A voice message is an answer to staff's request for information: sent at once as the comment (words saying it is
a voice message, as a comment needs words) with the voice message attached, and with files sent before it; the report
goes back to work. Real aiogram against the fake Bot API, real comments API code and media pipeline."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.media.models import Media
from backend.reports.workflow import Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_reply import _asked, _comments, _report
from tests.bots.test_citizen_voice import _voice
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
SAYS = {"ru": ("Ответ дан голосовым сообщением", "Ваш ответ добавлен к обращению"),
        "kk": ("Жауап дауыстық хабарламамен берілді", "Жауабыңыз № "),
        "en": ("Answered by voice message", "Your answer was added to report")}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_voice_message_answers_a_request_for_information(ctx: Context, citizen_tg: FakeBot,
                                                                 lang: str) -> None:
    chat = Chat(ctx, citizen_tg, {"ru": 796001, "kk": 796002, "en": 796003}[lang])
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language=lang, chosen=True)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    await chat.taps(f"reply:{report.id}")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))  # a file first
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    comment_words, sent = SAYS[lang]
    assert sent in chat.texts()[-1], chat.texts()[-1]
    [comment] = await _comments(ctx, report.id)
    assert comment_words in comment.text
    async with ctx.sessions() as session:
        kinds = sorted(m.kind for m in await session.scalars(select(Media).where(
            Media.report_id == report.id)))  # type: ignore[arg-type]
    assert kinds == ["audio", "photo"]
    assert (await _report(ctx, report.id)).status != Status.AWAITING_REPORTER  # back in work
