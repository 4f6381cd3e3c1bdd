"""A file for the report still on its way (downloaded and stored with the chat let go) when the citizen taps "Reply"
to staff's question, or "Appeal" on a closed report: once stored it is kept in the draft and said so, but the step the
citizen moved to stays theirs. Its answer used to set the files step over it, so the citizen's next words went into
the draft's description instead of the answer or the appeal. Real aiogram against the fake Bot API, FSM in a real
Redis, real intake and media store."""

from __future__ import annotations

import asyncio

import pytest

from backend.context import Context
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_own_steps import _filed
from tests.bots.test_citizen_reply import REASON, _asked, _comments
from tests.bots.test_citizen_slow_files import _any_call, _at_files_step
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = pytest.mark.anyio
SLOW_DOWNLOAD_S = 2.0  # the photo is still on its way while the step is tapped and asked
WORDS = "Госномер 123ABC02, белая Toyota, водитель уехал в сторону центра"


async def _stack_while_a_photo_is_stored(tg: FakeBot, chat: Chat, message: object, data: str, asked: str) -> str:
    """The citizen at the files step sends a photo, and taps the button `data` on `message` while the photo is
    stored; the step it opens asks `asked`. Returns the photo's answer."""
    tg.server.download_delay = SLOW_DOWNLOAD_S
    photo = asyncio.ensure_future(chat.feed(tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))))
    try:
        await eventually(lambda: _any_call(tg, "getFile"), interval=0.01)  # the chat is let go for the download
        await chat.feed(tg.user_taps_button(message, data, user=chat.user))
        assert asked in chat.texts()[-1], chat.texts()[-1]
        assert not photo.done()
    finally:
        await photo
        tg.server.download_delay = 0.0
    return chat.texts()[-1]


async def _files_step_goes_on(tg: FakeBot, chat: Chat) -> None:
    """The stacked step over, the draft is back at its files step with the photo: "Done" shows it counted."""
    added = next(m for m in reversed(tg.sent_messages(chat.id)) if "Принято файлов" in (m.text or ""))
    await chat.feed(tg.user_taps_button(added, "report:photos_done", user=chat.user))
    assert "Файлы: 1" in chat.texts()[-1], chat.texts()[-1]
    assert WORDS not in chat.texts()[-1]  # the answer's words are not the report's


@pytest.mark.redis
async def test_a_photo_stored_after_reply_was_tapped_leaves_the_answer_step(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 719501)
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language="ru", chosen=True)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    pushed = next(m for m in reversed(citizen_tg.sent_messages(chat.id)) if REASON in (m.text or ""))
    answer = await _stack_while_a_photo_is_stored(citizen_tg, chat, pushed, f"reply:{report.id}", "Напишите ответ")
    assert "Принято файлов: 1 из 5" in answer  # kept in the draft, and said so
    await chat.says(WORDS)
    assert "Ваш ответ добавлен" in chat.texts()[-1], chat.texts()[-3:]
    assert [c.text for c in await _comments(ctx, report.id)] == [WORDS]
    await _files_step_goes_on(citizen_tg, chat)


@pytest.mark.redis
async def test_a_photo_stored_after_appeal_was_tapped_leaves_the_appeal_step(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 719502)
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language="ru", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    await chat.says("/reports")
    answer = await _stack_while_a_photo_is_stored(citizen_tg, chat, chat.last(), f"appeal:{report.id}:0",
                                                  "почему вы не согласны")
    assert "Принято файлов: 1 из 5" in answer
    await chat.says(WORDS)
    assert "Жалоба по обращению" in chat.texts()[-1], chat.texts()[-3:]
    await _files_step_goes_on(citizen_tg, chat)
