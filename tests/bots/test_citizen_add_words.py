"""What "Add to report № … / New report" does with the citizen's words and a draft that is gone: a refused file's
caption goes with it (posted, it told staff of a file they never got; as a description, of one the report lacks);
captions joined past the 5000 characters of a comment or a description are cut and the citizen told so; a tap or a
file finding the question's draft data expired before its state is answered as "Send" answers it, not with a
KeyError and a generic apology. Real aiogram against the fake Bot API, real intake, media and comments."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from backend.context import Context
from tests.bots.test_citizen_add_files import _comments, _filed
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _asked, _drafts
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
TOO_LARGE = 30 * 1024 * 1024  # over the Bot API's 20 MB: refused unread


def _too_large_video(tg: FakeBot, chat: Chat, caption: str) -> dict[str, Any]:
    update = tg.user_sends_video(chat.id, chat.user, b"\0" * 64, file_size=TOO_LARGE)
    update["message"]["caption"] = caption
    return update


def _caption(index: int) -> str:
    """A caption of Telegram's full 1024 characters: five of them joined pass 5000."""
    return (f"Подпись {index}: " + "слово " * 200)[:1024]


async def _expire_data(chat: Chat) -> None:
    """The chat's FSM data gone while its state stays (Redis keeps the two under their own TTLs)."""
    await chat.bot.storage.set_data(StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id), {})


async def test_a_refused_files_caption_is_not_the_comment(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 798001)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.feed(_too_large_video(citizen_tg, chat, "На видео видно лицо того, кто разбил окно"))
    assert "Не удалось принять этот файл" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:add_to")
    assert await _comments(ctx, number) == ["Дополнительные файлы к обращению."]  # the default, not the video's words
    assert len(await _files_of(ctx, number)) == 1


async def test_a_refused_files_caption_is_not_the_new_reports_description(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 798002)
    await _filed(chat, citizen_tg, "en")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.feed(_too_large_video(citizen_tg, chat, TEXT))
    await chat.taps("report:add_new")
    said = chat.texts()[-1]
    assert "Describe what happened" in said and "taken as the description" not in said, said


async def test_captions_cut_for_the_comment_are_said_to_be(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 798003)
    number = await _filed(chat, citizen_tg)
    for index in range(5):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64 + index, 48),
                                                    caption=_caption(index)))
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert "добавлено файлов: 5" in said and "Текст был длиннее 5000 символов" in said, said
    [comment] = await _comments(ctx, number)
    assert len(comment) == 5000 and comment.startswith(_caption(0))


async def test_captions_cut_for_a_new_reports_description_are_said_to_be(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 798004)
    await _filed(chat, citizen_tg, "kk")
    for index in range(5):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64 + index, 48),
                                                    caption=_caption(index)))
    await chat.taps("report:add_new")
    said = chat.texts()[-1]
    assert "сипаттама ретінде алынды" in said and "Мәтін 5000 таңбадан ұзын болды" in said, said


async def test_add_after_the_drafts_data_expired_says_nothing_was_sent(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 798005)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await _expire_data(chat)
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert "черновик обращения больше не хранится" in said and APOLOGY not in said, said
    assert await _comments(ctx, number) == []
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48)))
    assert f"№ {number} ещё рассматривается" in chat.texts()[-1]  # the state was let go with it: asked anew


async def test_a_file_after_the_drafts_data_expired_is_asked_about_anew(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 798006)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await _expire_data(chat)
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48)))
    said = chat.texts()[before:]
    assert len(said) == 2 and "присланные раньше, больше не хранятся" in said[0], said
    assert f"№ {number} ещё рассматривается" in said[1] and not any(APOLOGY in text for text in said), said
    await chat.taps("report:add_to")
    assert f"К обращению № {number} добавлено файлов: 1" in chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == 1 and len(await _drafts(ctx)) == 1  # the lost draft's, until purged


async def test_a_file_after_the_voice_questions_data_expired_is_taken_anew(ctx: Context, citizen_tg: FakeBot) -> None:
    """The same at "File a report with this?" (no recent report): the file starts a report of its own, said so."""
    chat = await _asked(ctx, citizen_tg, 798007)
    await _expire_data(chat)
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48)))
    said = chat.texts()[before:]
    assert "присланные раньше, больше не хранятся" in said[0] and not any(APOLOGY in text for text in said), said
    assert "Файл сохранён в обращении" in said[-1] and "опишите словами" in said[-1], said
