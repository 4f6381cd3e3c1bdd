"""Redis lost while an album sent at the report's files step settles: every file of it went unanswered. Only the
album's last file through answers an album (bots.citizen.albums), judged on the chat's data read again after the
settle; read while Redis was away, that data was none of the chat's, or only what this process kept of it meanwhile
(no draft key, no step), and was taken for a flow that ended or an album another file answers, so no file answered:
the files were kept with the draft, and the citizen was told nothing. Now the album is answered once, as at any other
time, and the draft files with its files once Redis answers. A voice message sent while the report is written, in
the same outage, was answered already (it is one file: its own answer, told as a file kept in the same outage is):
tested so that it stays answered. Real aiogram against the fake Bot API (its downloads slowed, to lose Redis while
files are on their way), real media store, the bot's Redis behind a loopback proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from bots.citizen.report_draft import ALBUMS, ReportForm
from tests.bots.redis_blip import PLACE, Clock, _storage, blip_chat, redis_holds
from tests.bots.test_citizen_add_edges import SLOW_DOWNLOAD_S
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _reports
from tests.bots.test_citizen_voice import _voice
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually
from tests.media.recordings import recording

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
ALBUM = "album-outage"
RESEND = "отправьте это ещё раз"  # report_draft_unread (ru): nothing was taken, which is not so here


def _key(chat: Chat) -> StorageKey:
    return StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)


def _primary(chat: Chat) -> RedisStorage:
    primary = _storage(chat).primary
    assert isinstance(primary, RedisStorage)
    return primary


async def _at_files_step(chat: Chat) -> None:
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]


async def _sent_in_outage(chat: Chat, proxy: TcpProxy, updates: list[dict[str, Any]],
                          lost_once: Callable[[], Awaitable[bool]]) -> list[str]:
    """`updates` fed at once (as Telegram delivers an album), Redis lost as soon as `lost_once` holds: what the bot
    said. Checked that the answers were made in the outage, not before it (else the test would prove nothing). Then
    Redis is back, the storage's back-off over, and the chat's lock left by the updates (it expires on its own) gone."""
    before = len(chat.texts())
    handled = asyncio.gather(*(chat.feed(update) for update in updates))
    try:
        await eventually(lost_once, interval=0.02)
        assert len(chat.texts()) == before, chat.texts()[before:]  # nothing answered yet
        await proxy.cut()
    finally:
        await handled
    storage = _storage(chat)
    assert storage.data_unread(_key(chat))  # the update's last read of the draft found Redis away
    said = chat.texts()[before:]
    await proxy.restore()
    clock = storage.clock
    assert isinstance(clock, Clock)
    clock.now += 10
    primary = _primary(chat)
    await primary.redis.delete(primary.key_builder.build(_key(chat), "lock"))
    return said


async def _files_go_with_the_report(ctx: Context, chat: Chat, count: int, done: str = "report:photos_done") -> None:
    """Redis back: the draft is still at its files step with its description and key, and files with `count` files
    (`done`: the files step's button on screen, "Done" or, when the step was just asked, "Skip")."""
    step, data = await redis_holds(chat)
    assert step == ReportForm.photo.state and data.get("text") == TEXT and "key" in data, (step, data)
    await chat.taps(done)
    assert f"Файлы: {count}" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    number = (await _reports(ctx))[-1].number
    assert len(await _files_of(ctx, number)) == count


def _album(chat: Chat, files: int) -> list[dict[str, Any]]:
    return [chat.tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id=ALBUM)
            for i in range(files)]


def _answered_once(said: list[str], expected: str) -> None:
    assert len(said) == 1 and expected in said[0], said
    assert APOLOGY not in said[0] and RESEND not in said[0], said


async def test_an_album_whose_files_lose_redis_on_their_way_is_answered(ctx: Context, citizen_tg: FakeBot,
                                                                        proxy: TcpProxy) -> None:
    """Redis lost while the album's files download: each is kept for the draft (free_place's "unread"), and the album
    settles on what this process keeps meanwhile (its entry, without the draft's key)."""
    chat = await blip_chat(ctx, citizen_tg, 799841)
    await _at_files_step(chat)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    held = citizen_tg.server.downloads_held

    async def both_on_their_way() -> bool:
        return citizen_tg.server.downloads_held >= held + 2

    try:
        said = await _sent_in_outage(chat, proxy, _album(chat, 2), both_on_their_way)
    finally:
        citizen_tg.server.download_delay = 0.0
    _answered_once(said, "Принято файлов: 2 из 5")
    await _files_go_with_the_report(ctx, chat, 2)


async def test_an_album_that_loses_redis_as_it_settles_is_answered_once(ctx: Context, citizen_tg: FakeBot,
                                                                        proxy: TcpProxy) -> None:
    """Redis lost once all the album's files are through, while it settles: Redis holds the album's entry and this
    process nothing of it, so no file can read which of them came through last. One answers all the same, once."""
    chat = await blip_chat(ctx, citizen_tg, 799842)
    await _at_files_step(chat)
    primary = _primary(chat)

    async def all_through() -> bool:
        entry = dict((await primary.get_data(_key(chat))).get(ALBUMS) or {}).get(ALBUM) or {}
        return len(entry.get("kept") or []) == 3

    said = await _sent_in_outage(chat, proxy, _album(chat, 3), all_through)
    _answered_once(said, "Принято файлов: 3 из 5")
    await _files_go_with_the_report(ctx, chat, 3)


@pytest.mark.parametrize(("files_step", "expected"), [
    (True, "Принято файлов: 1 из 5"),  # report_photo_added
    (False, "Голосовое сообщение сохранено в обращении"),  # report_voice_kept: sent where the place is asked
], ids=["files_step", "place_step"])
async def test_a_voice_message_that_loses_redis_on_its_way_stays_answered(ctx: Context, citizen_tg: FakeBot,
                                                                          proxy: TcpProxy, files_step: bool,
                                                                          expected: str) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799843)
    if files_step:
        await _at_files_step(chat)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    held = citizen_tg.server.downloads_held

    async def on_its_way() -> bool:
        return citizen_tg.server.downloads_held > held

    try:
        said = await _sent_in_outage(chat, proxy, [_voice(citizen_tg, chat, recording("ogg", "libopus"))], on_its_way)
    finally:
        citizen_tg.server.download_delay = 0.0
    _answered_once(said, expected)
    if files_step:
        await _files_go_with_the_report(ctx, chat, 1)
        return
    await _at_files_step(chat)  # the place, asked for again
    assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1], chat.texts()[-1]
    await _files_go_with_the_report(ctx, chat, 1, "report:skip")
