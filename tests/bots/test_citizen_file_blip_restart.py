"""A file on its way into a draft that the citizen then started again ("Report" → "Start again"), Redis lost the
moment the file's place is let go: the draft the file was sent for cannot be told from a live one (free_place's
None), so the file is kept for it, but its files step must not be written over the chat's step: the new draft, at its
description step, was put at the files step with no description or place (its "Done" and "Send" then fail). Real
aiogram against the fake Bot API, real media store, the bot's Redis behind a loopback proxy."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, _storage, blip_chat, redis_holds
from tests.bots.test_citizen_add_edges import SLOW_DOWNLOAD_S, _downloads
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis]



async def test_a_restarted_drafts_step_is_kept(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799831)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    storage = _storage(chat)
    primary = storage.primary
    assert isinstance(primary, RedisStorage)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    sent = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))))
    try:
        await eventually(lambda: _downloads(citizen_tg, 1), interval=0.02)  # the photo is on its way
        await chat.says("/report")
        await chat.taps("report:restart")  # a new draft, at its description step
        assert (await primary.get_state(key)) == ReportForm.text.state
        proxy.cut_at(primary.key_builder.build(key, "data").encode())  # free_place's read of the data
    finally:
        await sent
        citizen_tg.server.download_delay = 0.0
    await proxy.restore()
    clock = storage.clock
    clock.now += 10  # type: ignore[attr-defined]
    await primary.redis.delete(primary.key_builder.build(key, "lock"))
    step, data = await redis_holds(chat)
    assert step == ReportForm.text.state and "key" in data, (step, data, chat.texts()[-3:])
