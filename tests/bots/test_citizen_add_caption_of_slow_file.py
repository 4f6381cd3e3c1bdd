"""A file and its caption go together at "Add to report № …" (report_addition), also for a captioned photo past the
draft's limit of five that is still downloading when "Add" is tapped. Sent after the first five but handled before
the last of them (an update delivered early, a slow video), it gave its place up to the file sent before it
(report_storing.BUMPED) and so was no longer among the files "Add" waits for: "Add" went on, and posted its caption as
the comment's words, about a photo that was then stored for a draft gone and deleted, with nothing said to the
citizen ("added: 5"). Before the fix both tests failed: the comment was the caption. Now the caption is posted only
with its file: a whole "Add" says the file was not added and quotes its caption as not added either; a partial one
leaves the caption with its file, whose own answer says it was over the limit. Real aiogram against the fake Bot API
(its downloads held to make one file slower than another), real intake, media pipeline and comments."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _media
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = pytest.mark.anyio
CAPTION = "На этом фото номер машины, на которой они уехали"
SLOWER_DOWNLOAD_S = 3.0


async def _past_the_limit_on_its_way(chat: Chat, tg: FakeBot, kept: int) -> asyncio.Task[None]:
    """With `kept` photos (of five) in the draft at the question: the photo sent next (no caption) and the captioned
    one sent after it, the latter handled first and slow to download, the former quick: the draft is full with the
    earlier one, and the captioned one, its place given up, still downloading (the task handling it)."""
    photos = [tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 36)) for i in range(5 - kept)]
    later = tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48), caption=CAPTION)
    for photo in photos[:-1]:
        await chat.feed(photo)
    held = tg.server.downloads_held
    tg.server.download_delay = SLOWER_DOWNLOAD_S
    slow = asyncio.create_task(chat.feed(later))
    await eventually(_held_past(tg, held), interval=0.02)  # its download asked for, and held the slower delay
    tg.server.download_delay = 0.0
    await chat.feed(photos[-1])  # sent before it: takes its place in the draft
    assert not slow.done(), "the captioned photo was meant to be still downloading"
    return slow


def _held_past(tg: FakeBot, held: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return tg.server.downloads_held > held

    return check


async def _ends_unsaid(slow: asyncio.Task[Any], chat: Chat) -> list[str]:
    before = len(chat.texts())
    await slow
    return chat.texts()[before:]


async def test_a_whole_add_says_the_file_past_the_limit_and_posts_not_its_caption(ctx: Context,
                                                                                  citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797401)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    slow = await _past_the_limit_on_its_way(chat, citizen_tg, 1)
    try:
        assert f"№ {number} ещё рассматривается" in chat.texts()[-1], chat.texts()[-1]
        await chat.taps("report:add_to")  # not waited for: it is never added
        said = chat.texts()[-1]
        assert f"К обращению № {number} добавлено файлов: 5" in said, said
        assert "только первые 5 файлов; ещё 1 не приложены" in said, said
        assert f"Подписи к ним тоже не добавлены: «{CAPTION}»" in said, said
        assert len(await _files_of(ctx, number)) == 5
        [comment] = await _comments(ctx, number)
        assert CAPTION not in comment and comment == "Дополнительные файлы к обращению.", comment
    finally:
        after = await _ends_unsaid(slow, chat)
    assert after == [], after  # said at "Add": its draft gone, it is deleted without a word of its own
    assert await _media(ctx) == 5


async def test_a_partial_add_leaves_the_caption_with_its_file_past_the_limit(ctx: Context,
                                                                            citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797402)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "caption-slow-1", 3)
    await chat.taps("report:add_to")  # the report holds 3 of its 5 files: room for 2
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    slow = await _past_the_limit_on_its_way(chat, citizen_tg, 1)
    try:
        await chat.taps("report:add_to")
        said = chat.texts()[-1]
        assert f"К обращению № {number} добавлено файлов: 2" in said, said
        assert len(await _files_of(ctx, number)) == 5
        comment = (await _comments(ctx, number))[-1]
        assert CAPTION not in comment, comment
    finally:
        after = await _ends_unsaid(slow, chat)
    # its own answer: over the limit, and the question again (the three left are a new report's)
    assert len(after) == 1 and "можно приложить не более 5 файлов: этот файл не приложен" in after[0], after
    await chat.taps("report:add_new")
    assert CAPTION not in chat.texts()[-1] and "Опишите, что произошло" in chat.texts()[-1], chat.texts()[-1]
