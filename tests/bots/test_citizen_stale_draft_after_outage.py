"""Redis back with the chat's state from before the outage: restarted from an older snapshot, it holds a report draft
the citizen has filed since (its files step, its idempotency key). A file sent to that draft and "Send" again must
not be lost: a filing under the old key replays the filed report (intake's idempotency), and a file the citizen
was told was accepted must then be in a report or the citizen told it is not. Real aiogram against the fake Bot
API, real intake and media store, the chat's FSM put back in the real Redis as the snapshot held it."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from bots.citizen.storage import FallbackStorage
from tests.bots.redis_blip import PLACE, blip_chat
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _reports
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


def _primary(chat: Chat) -> tuple[RedisStorage, StorageKey]:
    storage = chat.bot.storage
    assert isinstance(storage, FallbackStorage) and isinstance(storage.primary, RedisStorage)
    return storage.primary, StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)


async def test_a_file_sent_to_a_filed_draft_brought_back_by_redis_is_not_lost(ctx: Context,
                                                                               citizen_tg: FakeBot) -> None:
    tg = citizen_tg
    chat = await blip_chat(ctx, tg, 799911)
    await chat.feed(tg.user_sends_location(chat.id, chat.user, *PLACE))
    await chat.feed(tg.user_sends_photo(chat.id, chat.user, sample_jpeg(52, 40)))
    assert "Принято файлов: 1 из 5" in chat.texts()[-1], chat.texts()[-1]
    primary, key = _primary(chat)
    snapshot = (await primary.get_state(key), await primary.get_data(key))
    await chat.taps("report:photos_done")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    filed = _number(chat.texts()[-1])

    await primary.set_state(key, snapshot[0])  # Redis restarted from the snapshot taken before the filing
    await primary.set_data(key, snapshot[1])

    await chat.feed(tg.user_sends_photo(chat.id, chat.user, sample_jpeg(53, 40)))
    assert "Принято файлов" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:photos_done")
    assert "Файлы: 1" in chat.texts()[-1], chat.texts()[-1]  # what "Send" is confirmed to file
    await chat.taps("report:send")
    # filed, not refused for ever ("key already used … press Send again", which was refused the same way)
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    second = _number(chat.texts()[-1])
    assert second != filed
    assert [report.text for report in await _reports(ctx)] == [TEXT, TEXT]
    assert len(await _files_of(ctx, filed)) == 1 and len(await _files_of(ctx, second)) == 1
