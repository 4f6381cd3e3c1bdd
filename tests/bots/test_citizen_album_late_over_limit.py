"""An album answered already (the confirmation: five files) whose late files all come past the limit is told that a
report takes at most five files and how many of its files were not attached. It was told "only the first 5 files go
with the report" ("приложены только первые 5"): false, as the late files may be the album's first ones sent (the
files kept are those answered already), and the draft may hold files sent before the album. Real aiogram against the
fake Bot API, FSM in a real Redis, real intake and media store."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from backend.context import Context
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio


async def _at_files_step(ctx: Context, tg: FakeBot, chat_id: int) -> Chat:
    chat = Chat(ctx, tg, chat_id)
    await chat.up_to_location()
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    return chat


def _says_late_files_not_attached(said: str, count: int) -> None:
    assert "только первые" not in said, said
    assert "не более 5 файлов" in said and f"Не приложено файлов: {count}" in said, said
    assert "Файлы: 5" in said, said  # the confirmation again, its files unchanged


@pytest.mark.redis
async def test_late_files_of_an_answered_album_are_not_called_past_the_first_five(ctx: Context,
                                                                                 citizen_tg: FakeBot) -> None:
    """The album's last five sent are kept and answered before its first two come: those two were sent first."""
    chat = await _at_files_step(ctx, citizen_tg, 719401)
    photos = [sample_jpeg(40 + i, 30) for i in range(7)]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, photo, media_group_id="album-late-over")
             for photo in photos]
    await asyncio.gather(*(chat.feed(update) for update in album[2:]))
    answered = chat.texts()[-1]
    assert "Файлы: 5" in answered and "не приложен" not in answered, answered
    before = len(chat.texts())
    await asyncio.gather(*(chat.feed(update) for update in album[:2]))
    answers = chat.texts()[before:]
    assert len(answers) == 1, answers  # the late files' one answer
    _says_late_files_not_attached(answers[0], 2)
    await chat.taps("report:send")
    media = await _files_of(ctx, _number(chat.texts()[-1]))
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in photos[2:])


@pytest.mark.redis
async def test_a_late_file_past_files_sent_before_the_album_is_told_the_limit(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:
    """Three photos sent on their own, then an album of three: its last two fill the draft and are answered, its
    first comes late, past the limit."""
    chat = await _at_files_step(ctx, citizen_tg, 719402)
    for i in range(3):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(60 + i, 30)))
    assert "Принято файлов: 3 из 5" in chat.texts()[-1], chat.texts()[-1]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(70 + i, 30), media_group_id="album-after")
             for i in range(3)]
    await asyncio.gather(*(chat.feed(update) for update in album[1:]))
    assert "Файлы: 5" in chat.texts()[-1], chat.texts()[-1]
    before = len(chat.texts())
    await chat.feed(album[0])
    answers = chat.texts()[before:]
    assert len(answers) == 1, answers
    _says_late_files_not_attached(answers[0], 1)
