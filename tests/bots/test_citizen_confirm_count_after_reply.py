"""A report draft paused at its confirmation by "Reply" (or "Appeal") while one more of its files was still on its
way: the citizen tapped "Done" with the file downloading (the confirmation counted the files stored so far), then
"Reply" on staff's question; the file was stored and kept while the answer was written. The draft used to go back to
that confirmation once the answer was sent: it said one file fewer than the draft kept ("Файлы: 1" of two), and its
"Send" filed every kept file unseen, while the file's own "Done" did nothing. Unpaused, the same file sets the files
step back (report_files), so "Send" on the older confirmation shows it again, counting the file; paused, it now does
the same once the stacked step ends. Real aiogram against the fake Bot API, FSM in a real Redis, real intake and
media store."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from backend.context import Context
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_own_steps import _filed
from tests.bots.test_citizen_reply import REASON, _asked, _comments
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_slow_files import _at_files_step, _getfile_count_is
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = pytest.mark.anyio
SLOW_DOWNLOAD_S = 2.0  # the second photo is still on its way while "Done" and "Reply" are tapped
WORDS = "Госномер 123ABC02, белая Toyota, водитель уехал в сторону центра"
PHOTOS = (sample_jpeg(64, 48), sample_jpeg(72, 48))


async def _paused_at_the_confirmation(tg: FakeBot, chat: Chat, open_step: Callable[[], Awaitable[None]],
                                      asked: str) -> Any:
    """The draft at its files step with one photo kept: a second photo is sent, and while it downloads "Done" is
    tapped (the confirmation counts the one photo stored) and the stacked step opened (`open_step`, which asks
    `asked`). Returns the confirmation on screen."""
    await chat.feed(tg.user_sends_photo(chat.id, chat.user, PHOTOS[0]))
    assert "Принято файлов: 1 из 5" in chat.texts()[-1], chat.texts()[-1]
    kept_one = chat.last()
    tg.server.download_delay = SLOW_DOWNLOAD_S
    photo = asyncio.ensure_future(chat.feed(tg.user_sends_photo(chat.id, chat.user, PHOTOS[1])))
    try:
        await eventually(lambda: _getfile_count_is(tg, 2), interval=0.01)  # the chat is let go for the download
        await chat.feed(tg.user_taps_button(kept_one, "report:photos_done", user=chat.user))
        confirmation = chat.last()
        assert "Проверьте" in (confirmation.text or "") and "Файлы: 1" in (confirmation.text or "")
        await open_step()
        assert asked in chat.texts()[-1], chat.texts()[-1]
        assert not photo.done()
    finally:
        await photo
        tg.server.download_delay = 0.0
    assert "Принято файлов: 2 из 5" in chat.texts()[-1], chat.texts()[-1]  # kept in the draft, and said so
    return confirmation


async def _asked_at_the_files_step(ctx: Context, tg: FakeBot, chat_id: int,
                                   ) -> tuple[Chat, Any, Callable[[], Awaitable[None]]]:
    """A chat at a draft's files step whose citizen staff asked a question about an earlier report: (the chat, that
    report, the tap on the question's "Reply")."""
    chat = await _at_files_step(ctx, tg, chat_id)
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language="ru", chosen=True)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    pushed = next(m for m in reversed(tg.sent_messages(chat.id)) if REASON in (m.text or ""))

    async def reply() -> None:
        await chat.feed(tg.user_taps_button(pushed, f"reply:{report.id}", user=chat.user))

    return chat, report, reply


async def _the_confirmation_counts_both(ctx: Context, tg: FakeBot, chat: Chat, confirmation: Any) -> None:
    """The stacked step over: "Send" on the confirmation shown before the second photo was stored shows it again,
    counting both, and the report is filed with both once that one is confirmed."""
    before = len(chat.texts())
    await chat.feed(tg.user_taps_button(confirmation, "report:send", user=chat.user))
    [again] = chat.texts()[before:]
    assert "Проверьте" in again and "Файлы: 2" in again, again
    assert WORDS not in again  # the answer's words are not the report's
    await chat.taps("report:send")
    filed = chat.texts()[-1]
    assert "зарегистрировано" in filed, filed
    media = await _files_of(ctx, _number(filed))
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in PHOTOS)


@pytest.mark.redis
async def test_the_confirmation_paused_by_reply_counts_a_file_stored_meanwhile(ctx: Context,
                                                                              citizen_tg: FakeBot) -> None:
    chat, report, reply = await _asked_at_the_files_step(ctx, citizen_tg, 719701)
    confirmation = await _paused_at_the_confirmation(citizen_tg, chat, reply, "Напишите ответ")
    await chat.says(WORDS)
    assert "Ваш ответ добавлен" in chat.texts()[-1], chat.texts()[-3:]
    assert [c.text for c in await _comments(ctx, report.id)] == [WORDS]
    await _the_confirmation_counts_both(ctx, citizen_tg, chat, confirmation)


@pytest.mark.redis
async def test_the_files_done_after_reply_shows_the_confirmation_with_the_file(ctx: Context,
                                                                              citizen_tg: FakeBot) -> None:
    """The photo's own answer ("Принято файлов: 2 из 5", with "Done") is what the citizen sees last of the draft:
    its "Done" shows the confirmation with both photos once the answer is sent."""
    chat, _, reply = await _asked_at_the_files_step(ctx, citizen_tg, 719702)
    await _paused_at_the_confirmation(citizen_tg, chat, reply, "Напишите ответ")
    added = chat.last()
    await chat.says(WORDS)
    assert "Ваш ответ добавлен" in chat.texts()[-1], chat.texts()[-3:]
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(added, "report:photos_done", user=chat.user))
    [shown] = chat.texts()[before:]
    assert "Проверьте" in shown and "Файлы: 2" in shown, shown


@pytest.mark.redis
async def test_the_confirmation_paused_by_appeal_counts_a_file_stored_meanwhile(ctx: Context,
                                                                               citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 719703)
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language="ru", chosen=True)
    closed = await _filed(ctx, linked.citizen_id, closed=True)
    await chat.says("/reports")
    listed = chat.last()

    async def appeal() -> None:
        await chat.feed(citizen_tg.user_taps_button(listed, f"appeal:{closed.id}:0", user=chat.user))

    confirmation = await _paused_at_the_confirmation(citizen_tg, chat, appeal, "почему вы не согласны")
    await chat.says(WORDS)
    assert "Жалоба по обращению" in chat.texts()[-1], chat.texts()[-3:]
    await _the_confirmation_counts_both(ctx, citizen_tg, chat, confirmation)
