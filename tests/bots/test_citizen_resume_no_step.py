"""report_draft.resume with something to say and the chat at no step said nothing: its False told the caller only
that no report was being written, and most callers (addition_pending saying a refused file's caption went with it)
said nothing else. Here the step's Redis key expires (Redis keeps the state and the data under their own TTLs) while a
captioned file, sent at "Add to report № … / New report", is stored and then refused after "New report" took its
caption into the description: what became of the file and its caption is still said. Real aiogram against the fake
Bot API, real intake, media and Redis."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from tests.bots.redis_blip import _storage
from tests.bots.test_citizen_add_edges import SLOW_DOWNLOAD_S, _downloads
from tests.bots.test_citizen_add_files import _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
FIRST = "Вот он выходит из подъезда с чужим велосипедом"
CAPTION = "На этом видео видно лицо того, кто разбил окно"
NOT_A_PHOTO = b"these bytes are no JPEG: the media API refuses them"


async def test_a_dropped_caption_is_said_with_the_step_expired(ctx: Context, citizen_tg: FakeBot,
                                                               proxy: TcpProxy) -> None:
    chat = Chat(ctx, citizen_tg, 799821)
    await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=FIRST))
    question = chat.last()
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    refused = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, NOT_A_PHOTO,
                                                                        caption=CAPTION)))
    try:
        await eventually(lambda: _downloads(citizen_tg, 2), interval=0.02)  # the captioned file is on its way
        await chat.feed(citizen_tg.user_taps_button(question, "report:add_new", user=chat.user))
        assert "приняты как описание" in chat.texts()[-1], chat.texts()[-1]  # both captions
        primary = _storage(chat).primary
        assert isinstance(primary, RedisStorage)
        key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
        await primary.redis.delete(primary.key_builder.build(key, "state"))  # the step's TTL ran out
    finally:
        await refused
        citizen_tg.server.download_delay = 0.0
    said = chat.texts()[-1]
    assert "Не удалось принять этот файл" in said and "Подпись к нему в описание не вошла" in said, said
