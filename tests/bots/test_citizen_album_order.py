"""An album past the limit of five keeps the files sent first, as the confirmation says ("only the first 5 files"),
whatever order its updates are handled in: Telegram posts a webhook's updates side by side, and they reach the chat
(in either of the API's workers) in no set order. The files kept were the first ones handled. Real aiogram against
the fake Bot API, FSM in a real Redis, real intake and media store."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.media.models import Media
from bots.citizen import albums
from bots.models import TelegramDraftMedia
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_slow_files import _any_call
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = pytest.mark.anyio


@pytest.mark.redis
@pytest.mark.parametrize("download_delay", [0.0, 0.5])
async def test_an_album_handled_last_first_keeps_the_first_five_sent(ctx: Context, citizen_tg: FakeBot,
                                                                      download_delay: float) -> None:
    chat = Chat(ctx, citizen_tg, 719301 + int(download_delay * 10))
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    citizen_tg.server.download_delay = download_delay  # 0.5 s: the later files are still on their way, else kept
    photos = [sample_jpeg(40 + i, 30) for i in range(7)]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, photo, media_group_id="album-order")
             for photo in photos]
    assert [u["message"]["message_id"] for u in album] == sorted(u["message"]["message_id"] for u in album)
    before = len(chat.texts())
    await asyncio.gather(*(chat.feed(update) for update in reversed(album)))  # the last sent handled first
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "Файлы: 5" in answers[0] and "ещё 2 не приложены" in answers[0], answers
    citizen_tg.server.download_delay = 0.0
    await chat.taps("report:send")
    media = await _files_of(ctx, _number(chat.texts()[-1]))
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in photos[:5])


async def _kept(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TelegramDraftMedia)) or 0)


@pytest.mark.redis
async def test_files_of_an_album_kept_already_give_way_to_ones_sent_before_them(
        ctx: Context, citizen_tg: FakeBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The album's last five sent are stored and kept before its first two are handled (within the album's settle):
    the two displace the two sent last, which are deleted, and the album's one answer counts them over the limit."""
    monkeypatch.setattr(albums, "ALBUM_SETTLE_S", 3.0)  # room for a slow machine between the two batches
    chat = Chat(ctx, citizen_tg, 719311)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    photos = [sample_jpeg(40 + i, 30) for i in range(7)]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, photo, media_group_id="album-kept")
             for photo in photos]
    before = len(chat.texts())
    later = asyncio.ensure_future(asyncio.gather(*(chat.feed(update) for update in album[2:])))
    await eventually(lambda: _five_kept(ctx), interval=0.01)
    assert not later.done()  # still settling: the album is not answered yet
    await asyncio.gather(later, *(chat.feed(update) for update in album[:2]))
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "Файлы: 5" in answers[0] and "ещё 2 не приложены" in answers[0], answers
    await chat.taps("report:send")
    media = await _files_of(ctx, _number(chat.texts()[-1]))
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in photos[:5])
    async with ctx.sessions() as session:  # the two displaced are deleted, not left as unused files
        assert int(await session.scalar(select(func.count()).select_from(Media)) or 0) == 5


async def _five_kept(ctx: Context) -> bool:
    return await _kept(ctx) == 5


@pytest.mark.redis
async def test_files_of_an_album_already_answered_are_not_deleted_by_its_late_files(ctx: Context,
                                                                                  citizen_tg: FakeBot) -> None:
    """The album's last five sent are kept and answered (the confirmation: five files) before its first two come (a
    late delivery). The two are over the limit: the files the citizen was told were kept stay kept. The first late
    file's own answer, still to come, used to let the second delete a file kept and answered already."""
    chat = Chat(ctx, citizen_tg, 719321)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    photos = [sample_jpeg(40 + i, 30) for i in range(7)]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, photo, media_group_id="album-late")
             for photo in photos]
    await asyncio.gather(*(chat.feed(update) for update in album[2:]))
    assert "Файлы: 5" in chat.texts()[-1], chat.texts()[-1]  # answered: these five go with the report
    await asyncio.gather(*(chat.feed(update) for update in album[:2]))
    # told the limit, not "only the first 5": the two were the album's first (test_citizen_album_late_over_limit)
    assert "Файлы: 5" in chat.texts()[-1] and "Не приложено файлов: 2" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    media = await _files_of(ctx, _number(chat.texts()[-1]))
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in photos[2:])


@pytest.mark.redis
async def test_a_file_sent_after_an_album_gives_its_place_to_the_album(ctx: Context, citizen_tg: FakeBot) -> None:
    """A photo sent on its own right after a five-file album is handled (and on its way) before the album's files: at
    the limit the album's file, sent first, takes its place. It used to be refused instead, the confirmation saying
    "only the first 5" of files that were not the first ones sent."""
    chat = Chat(ctx, citizen_tg, 719331)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    photos = [sample_jpeg(40 + i, 30) for i in range(6)]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, photo, media_group_id="album-then-one")
             for photo in photos[:5]]
    alone = citizen_tg.user_sends_photo(chat.id, chat.user, photos[5])
    before = len(chat.texts())
    citizen_tg.server.download_delay = 1.0  # the photo alone is still on its way as the album's files come
    single = asyncio.ensure_future(chat.feed(alone))
    try:
        await eventually(lambda: _any_call(citizen_tg, "getFile"), interval=0.01)
        await asyncio.gather(*(chat.feed(update) for update in album))
    finally:
        await single
        citizen_tg.server.download_delay = 0.0
    answers = chat.texts()[before:]
    assert len(answers) == 2, answers
    assert any("не более 5 файлов" in answer for answer in answers), answers  # the photo alone: over the limit
    confirmation = next(answer for answer in answers if "Файлы:" in answer)
    assert "Файлы: 5" in confirmation and "не приложены" not in confirmation, confirmation
    await _tap_send(chat, citizen_tg)
    media = await _files_of(ctx, _number(chat.texts()[-1]))
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in photos[:5])


async def _tap_send(chat: Chat, tg: FakeBot) -> None:
    confirmation = next(m for m in reversed(tg.sent_messages(chat.id)) if "Файлы:" in (m.text or ""))
    await chat.feed(tg.user_taps_button(confirmation, "report:send", user=chat.user))
