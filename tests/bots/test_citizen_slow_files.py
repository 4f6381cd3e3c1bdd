"""A file's download and upload do not hold the chat: with a slow network between the bot and Telegram (each file
download held 1.5 s by the fake Bot API) an album still gets one answer and all its files, stored side by side; the
limit of five stays exact, and a file still on its way when the citizen cancels is neither attached nor kept.
Real aiogram against the fake Bot API, FSM in a real Redis, real intake and media store."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import func, select

from backend.context import Context
from backend.media.models import Media
from bots.citizen import report_storing, runtime
from bots.models import TelegramDraftMedia
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_chat_isolation import _feed
from tests.bots.test_citizen_report import _files_of
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import cancelled_once, eventually

pytestmark = pytest.mark.anyio
SLOW_DOWNLOAD_S = 1.5  # a Telegram download plus an S3 upload on a real network: often 1–3 s
ADDED = re.compile(r"Принято файлов: (\d) из 5")


class _HeldDownload:
    """The bot's next file download, once fetched from the fake Bot API, held until `release()` before it is handed
    on to be stored: the file is on its way (its place taken, its bytes not stored) for exactly as long as the test
    needs, where a fixed delay of the fake's had to be a guess generous for a loaded machine, then waited out."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.reached = asyncio.Event()
        self.go = asyncio.Event()
        self._download = bot.download
        bot.download = self._held  # type: ignore[method-assign]

    async def _held(self, *args: Any, **kwargs: Any) -> Any:
        fetched = await self._download(*args, **kwargs)
        if not self.reached.is_set():  # only this download is held
            self.reached.set()
            await self.go.wait()
        return fetched

    async def is_reached(self) -> bool:
        return self.reached.is_set()

    def release(self) -> None:
        self.go.set()
        if "download" in vars(self.bot):
            del self.bot.download  # the class's own again


async def _at_files_step(ctx: Context, tg: FakeBot, chat_id: int) -> Chat:
    chat = Chat(ctx, tg, chat_id)
    await chat.up_to_location()
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "приложить до 5 фото" in chat.texts()[-1]
    return chat


async def _count(ctx: Context, model: type[Media] | type[TelegramDraftMedia]) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _any(ctx: Context, model: type[Media] | type[TelegramDraftMedia]) -> bool:
    return await _count(ctx, model) > 0


async def _any_call(tg: FakeBot, method: str) -> bool:
    return bool(tg.calls(method))


@pytest.mark.redis
async def test_an_album_with_slow_downloads_gets_one_answer_and_all_its_files(ctx: Context,
                                                                               citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 719201)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    before = len(chat.texts())
    photos = [sample_jpeg(40 + i, 30) for i in range(4)]
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, photo, media_group_id="album-slow") for photo in photos]
    started = time.monotonic()
    # as Telegram delivers an album: all at once
    handled = asyncio.ensure_future(asyncio.gather(*(chat.feed(update) for update in album)))
    try:
        await eventually(lambda: _any(ctx, TelegramDraftMedia), interval=0.02)
        # stored side by side: every file's download was asked for before the first file was kept (with the chat
        # held through a download, the second file's would wait for the first file to be stored)
        assert len(citizen_tg.calls("getFile")) == len(album)
    finally:
        await handled
    took = time.monotonic() - started
    answers = chat.texts()[before:]
    # one answer with the album's total, though every file took longer than the album's settle to store
    assert len(answers) == 1 and "Принято файлов: 4 из 5" in answers[0], answers
    print(f"a 4-file album with {SLOW_DOWNLOAD_S} s per download handled in {took:.1f} s")
    citizen_tg.server.download_delay = 0.0
    await chat.taps("report:photos_done")
    assert "Файлы: 4" in chat.texts()[-1]
    await chat.taps("report:send")
    filed = chat.texts()[-1]
    assert "зарегистрировано" in filed
    media = await _files_of(ctx, filed.split("№ ")[1].split(".")[0])
    assert sorted(m.sha256 for m in media) == sorted(hashlib.sha256(p).hexdigest() for p in photos)


@pytest.mark.redis
async def test_an_album_of_seven_with_slow_downloads_keeps_exactly_five(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 719202)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    before = len(chat.texts())
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id="album-7")
             for i in range(7)]
    await asyncio.gather(*(chat.feed(update) for update in album))
    answers = chat.texts()[before:]
    # one answer: the confirmation with the five files, saying that two more were not attached
    assert len(answers) == 1, answers
    assert "Файлы: 5" in answers[0] and "ещё 2 не приложены" in answers[0], answers
    # the two over the limit were never downloaded, so nothing of them is left in the store
    assert len(citizen_tg.calls("getFile")) == 5
    assert await _count(ctx, Media) == await _count(ctx, TelegramDraftMedia) == 5


@pytest.mark.redis
async def test_a_file_on_its_way_when_the_citizen_cancels_is_not_kept(ctx: Context, citizen_tg: FakeBot) -> None:
    """/cancel (and a new report) go on while the photo downloads; the photo, stored after its draft is gone, joins
    neither that draft nor the new one, and is deleted at once rather than kept a week as an unused file."""
    chat = await _at_files_step(ctx, citizen_tg, 719203)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    photo = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))))
    await eventually(lambda: _any_call(citizen_tg, "getFile"), interval=0.02)  # the photo's download has begun
    await chat.says("/cancel")
    await chat.says("/report")
    await chat.says(TEXT)
    assert not photo.done()  # all of that was handled while the photo was still on its way
    await photo
    assert not any(ADDED.search(text) for text in chat.texts()), chat.texts()
    assert "место происшествия" in chat.texts()[-1]  # the new report goes on where it was
    assert await _count(ctx, TelegramDraftMedia) == 0
    assert await _count(ctx, Media) == 0


@pytest.mark.redis
async def test_an_album_split_between_workers_with_slow_downloads(ctx: Context, citizen_tg: FakeBot) -> None:
    """Webhook mode: the album's updates land in both of the API's workers (each its own dispatcher, one Redis)."""
    chat = await _at_files_step(ctx, citizen_tg, 719204)
    other = runtime.build(ctx)
    try:
        await _feed(other, citizen_tg.user_sends_text(chat.id, chat.user, "/help"))  # the other worker knows the chat
        citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
        before = len(chat.texts())
        album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id="album-w")
                 for i in range(4)]
        workers = [chat.bot, other]
        await asyncio.gather(*(_feed(workers[i % 2], update) for i, update in enumerate(album)))
    finally:
        await other.close()
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "Принято файлов: 4 из 5" in answers[0], answers
    assert await _count(ctx, Media) == await _count(ctx, TelegramDraftMedia) == 4


@pytest.mark.redis
async def test_an_update_delivered_again_during_its_download_is_stored_once(ctx: Context,
                                                                           citizen_tg: FakeBot) -> None:
    """Telegram re-sends a webhook update it got no answer to in time: the copy arrives while the first is still
    downloading the file (the chat is not held then), and is neither downloaded nor answered again."""
    chat = await _at_files_step(ctx, citizen_tg, 719205)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    before = len(chat.texts())
    update = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))
    first = asyncio.create_task(chat.feed(update))
    await eventually(lambda: _any_call(citizen_tg, "getFile"), interval=0.02)
    await chat.feed(update)
    await first
    assert chat.texts()[before:] == ["📎 Принято файлов: 1 из 5. Пришлите ещё или нажмите «Готово»."]
    assert len(citizen_tg.calls("getFile")) == 1
    assert await _count(ctx, Media) == await _count(ctx, TelegramDraftMedia) == 1



@pytest.mark.redis
async def test_a_download_slower_than_a_places_life_keeps_its_place(ctx: Context, citizen_tg: FakeBot,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The fifth file's download outlasts a place's life (shortened here from 300 s to 2 s, renewed every 0.25 s):
    its place is renewed while it downloads, so a sixth file sent meanwhile is refused at once, never downloaded,
    instead of taking the place and being downloaded for nothing (or the draft passing the limit). The download is
    held until the sixth is answered (_HeldDownload), however long that takes."""
    chat = await _at_files_step(ctx, citizen_tg, 719206)
    for i in range(4):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30)))
    assert "Принято файлов: 4 из 5" in chat.texts()[-1]
    monkeypatch.setattr(report_storing, "STORING_STALE_S", 2.0)
    monkeypatch.setattr(report_storing, "STORING_RENEW_S", 0.25)
    held = _HeldDownload(chat.bot.bot)
    before = len(chat.texts())
    fifth = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))))
    try:
        await eventually(held.is_reached, interval=0.02)
        assert len(citizen_tg.calls("getFile")) == 5
        # the fifth file's place, taken before its download, has outlived its life (by a quarter of it, and more on a
        # slow machine): only its renewals keep it
        await asyncio.sleep(2.5)
        # bounded: the fifth is held until the sixth is answered, so a sixth that waited for it would wait for ever
        await asyncio.wait_for(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(65, 48))),
                               timeout=30)
        assert not fifth.done()
    finally:
        held.release()
        await fifth
    answers = chat.texts()[before:]
    assert len(answers) == 2 and "не более 5 файлов" in answers[0] and "Файлы: 5" in answers[1], answers
    assert len(citizen_tg.calls("getFile")) == 5
    assert await _count(ctx, Media) == await _count(ctx, TelegramDraftMedia) == 5


async def _getfile_count_is(tg: FakeBot, count: int) -> bool:
    return len(tg.calls("getFile")) == count


async def test_a_shutdown_landing_while_a_files_place_stops_renewing_is_not_swallowed() -> None:
    """The file is stored; `keeping_place` stops the place's renewal and waits for it, and the task is cancelled
    right then (a shutdown): the cancellation goes on up, not swallowed with the renewal's own."""
    state = FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=719207, user_id=719207))
    through = asyncio.Event()

    async def store_file() -> None:
        async with report_storing.keeping_place(state, "draft-key", "file-1", 1):
            through.set()  # the test's task runs next, while this one waits for the renewal to stop

    await cancelled_once(through, asyncio.create_task(store_file()))
