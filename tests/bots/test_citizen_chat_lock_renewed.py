"""A chat's Redis lock (bots.citizen.isolation) is held for as long as its update is handled, across the API's workers:
it used to expire LOCK_TTL_S after it was taken whatever the handler was doing, so a handler slower than that (a
stalled Bot API answer, a slow database) had the chat's next update run beside it in another worker, reading and
writing the same FSM data. The lock is renewed while the handler runs, yet still expires within its TTL once its
holder stops renewing (a crashed process), and a hung handler stops renewing after `max_hold_s`.

Real aiogram against the fake Bot API (which holds the slow answer until the test lets it go), two dispatchers on the
same real Redis as the API's two uvicorn workers, real intake. The TTL is shortened to seconds."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from bots.citizen import runtime
from bots.citizen.isolation import ChatIsolation
from bots.citizen.report_draft import PART_SEPARATOR
from bots.citizen.storage import FallbackStorage
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_chat_isolation import ADDED, _feed, _file
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
# the chats' lock TTL here (60 s in production). Renewed every TTL_S / 3 (0.67 s), the lock expires under its handler
# only if a renewal is more than 1.3 s late, beyond a loaded machine's stalls; each test waits out a few TTLs (2.5 of
# them, or max_hold_s plus one), so a TTL shortened from 3 s saves seconds and proves the same
TTL_S = 2.0
PLACE = (51.1605, 71.4704)
FIRST, SECOND = "Номер машины 123ABC02", "У него был нож"


def _isolation(bot: runtime.CitizenBot) -> ChatIsolation:
    isolation = bot.dispatcher.fsm.events_isolation
    assert isinstance(isolation, ChatIsolation)
    return isolation


async def _lock_ttl_ms(chat: Chat) -> int:
    """How long the chat's Redis lock has left to live (-2: none)."""
    storage = chat.bot.storage
    assert isinstance(storage, FallbackStorage) and isinstance(storage.primary, RedisStorage)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    return int(await storage.primary.redis.pttl(storage.primary.key_builder.build(key, "lock")))


async def _two_workers(ctx: Context, tg: FakeBot, chat: Chat) -> runtime.CitizenBot:
    """The chat at its files step; a second worker (returned) that has handled the chat before; both with TTL_S."""
    await chat.up_to_location()
    other = runtime.build(ctx)
    for bot in (chat.bot, other):
        _isolation(bot).lock_ttl_s = TTL_S
    await _feed(other, tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1]
    return other


async def test_a_slow_update_keeps_the_chat_from_another_worker(ctx: Context, citizen_tg: FakeBot) -> None:
    tg = citizen_tg
    chat = Chat(ctx, tg, 719201)
    other = await _two_workers(ctx, tg, chat)
    held = tg.hold_next("sendMessage", chat.id)
    first = asyncio.create_task(chat.says(FIRST))
    second: asyncio.Task[None] | None = None
    try:
        await tg.wait_held(held)  # the first update's handler waits on Telegram, holding the chat
        second = asyncio.create_task(_feed(other, tg.user_sends_text(chat.id, chat.user, SECOND)))
        # the first lock, were it not renewed, would have expired twice over (the second update then ran meanwhile)
        await asyncio.sleep(2.5 * TTL_S)
        assert not any(ADDED in text for text in chat.texts()), "the second update ran beside the slow first one"
        ttl_ms = await _lock_ttl_ms(chat)
        assert 0 < ttl_ms <= TTL_S * 1000  # renewed, yet still expiring on its own should this process die
    finally:
        held.release()
        await asyncio.gather(first, *([second] if second else []), return_exceptions=True)
        await other.close()
    assert first.exception() is None and second is not None and second.exception() is None
    assert sum(ADDED in text for text in chat.texts()) == 2
    assert await _file(ctx, chat) == PART_SEPARATOR.join((TEXT, FIRST, SECOND))


async def test_a_hung_update_lets_the_chat_go_in_the_end(ctx: Context, citizen_tg: FakeBot) -> None:
    """A handler that never ends in a live process (a call without a timeout) stops renewing after `max_hold_s`: the
    chat's next update in another worker is handled then, not never."""
    tg = citizen_tg
    chat = Chat(ctx, tg, 719202)
    other = await _two_workers(ctx, tg, chat)
    _isolation(chat.bot).max_hold_s = 2 * TTL_S
    held = tg.hold_next("sendMessage", chat.id)
    first = asyncio.create_task(chat.says(FIRST))
    try:
        await tg.wait_held(held)
        await _feed(other, tg.user_sends_text(chat.id, chat.user, SECOND))  # generous bound: the test's timeout
        assert any(ADDED in text for text in chat.texts())  # answered while the first is still held
    finally:
        held.release()
        await asyncio.gather(first, return_exceptions=True)
        await other.close()
