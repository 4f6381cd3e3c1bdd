"""Redis lost for a moment in the middle of a citizen bot update: the chat driven through real aiogram against the fake
Bot API, the bot's FSM Redis behind a loopback proxy (the `proxy` fixture, tests/bots/conftest.py) cut the moment the
chat's data is asked for (blip_at_data_read), or before the update (sent_with_redis_away)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from bots.citizen.storage import FallbackStorage
from tests.bots.test_citizen_audit_conversation import Chat
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

PLACE = (51.1605, 71.4704)
RESEND = "отправьте это ещё раз"  # report_draft_unread (ru)


class Clock:
    """The bot storage's clock, moved past its back-off instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _storage(chat: Chat) -> FallbackStorage:
    storage = chat.bot.storage
    assert isinstance(storage, FallbackStorage) and isinstance(storage.primary, RedisStorage)
    return storage


async def blip_at_data_read(chat: Chat, proxy: TcpProxy, update: dict[str, object], *,
                             reads: int = 0) -> list[str]:
    """`update` handled while Redis goes away as the chat's data is asked for (its state read before; `reads` times
    answered first): what the bot said. Then Redis is back, the back-off over, and the lock of the update that lost
    Redis (it expires on its own after LOCK_TTL_S) gone."""
    storage = _storage(chat)
    primary = storage.primary
    assert isinstance(primary, RedisStorage)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    proxy.cut_at(primary.key_builder.build(key, "data").encode(), after=reads)
    before = len(chat.texts())
    await chat.feed(update)
    said = chat.texts()[before:]
    await proxy.restore()
    clock = storage.clock
    assert isinstance(clock, Clock)
    clock.now += 10
    await primary.redis.delete(primary.key_builder.build(key, "lock"))
    return said


async def sent_with_redis_away(chat: Chat, proxy: TcpProxy, *updates: dict[str, Any]) -> list[str]:
    """`updates` handled (all at once, as Telegram delivers an album) with Redis unreachable from their start (the
    chat's step unread, nothing of the chat kept in this process): what the bot said. Then Redis is back and the
    storage asks it again (its back-off over)."""
    storage = _storage(chat)
    await proxy.cut()
    before = len(chat.texts())
    try:
        await asyncio.gather(*(chat.feed(update) for update in updates))
    finally:
        await proxy.restore()
    said = chat.texts()[before:]
    clock = storage.clock
    assert isinstance(clock, Clock)
    clock.now += 10
    primary = storage.primary
    assert isinstance(primary, RedisStorage)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    await primary.redis.delete(primary.key_builder.build(key, "lock"))  # none taken: Redis was away
    return said


async def redis_holds(chat: Chat) -> tuple[str | None, dict[str, object]]:
    """The chat's state and data as Redis holds them (what every worker reads) once the bot's storage has read them
    (as the next update does), handing back what it kept in memory while Redis was away."""
    storage = _storage(chat)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    await storage.get_state(key)
    await storage.get_data(key)
    return await storage.primary.get_state(key), await storage.primary.get_data(key)


async def redis_untouched(chat: Chat) -> dict[str, object]:
    """The chat's data as Redis holds it before the bot's storage reads it again: without what it keeps in memory
    meanwhile (handed back to Redis by its next read)."""
    primary = _storage(chat).primary
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    return await primary.get_data(key)


async def blip_chat(ctx: Context, tg: FakeBot, chat_id: int, *, described: bool = True) -> Chat:
    """A chat whose report is at the place step (its description TEXT), or at the description step when not
    `described`."""
    chat = Chat(ctx, tg, chat_id)
    _storage(chat).clock = Clock()
    if described:
        await chat.up_to_location()
    else:
        await chat.says("/start")
        await chat.taps("lang:ru")
        await chat.says("/report")
    return chat
