"""The citizen bot's FSM storage across a real Redis outage: a conversation goes on in memory while Redis is cut off,
and moves back to Redis once it answers again (so every worker sees it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

from bots.citizen.storage import FallbackStorage
from tests.bots.redis_blip import Clock
from tests.fakes.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


@dataclass
class Outage:
    """A FallbackStorage whose Redis goes through `proxy`, Redis read `direct` (as another worker does), one chat."""

    proxy: TcpProxy
    storage: FallbackStorage
    direct: RedisStorage
    clock: Clock
    key: StorageKey

    async def back(self) -> None:
        """Redis answers again, and the storage asks it (its back-off over)."""
        await self.proxy.restore()
        self.clock.now += 10


@asynccontextmanager
async def _outage() -> AsyncIterator[Outage]:
    proxy = TcpProxy("127.0.0.1", 6379)
    await proxy.start()
    prefix = f"zan-test-fsm-{uuid.uuid4().hex[:8]}"
    through_proxy = RedisStorage.from_url(f"redis://127.0.0.1:{proxy.port}/0", key_builder=DefaultKeyBuilder(
        prefix=prefix), connection_kwargs={"socket_connect_timeout": 0.5, "socket_timeout": 1.0})
    direct = RedisStorage.from_url("redis://127.0.0.1:6379/0", key_builder=DefaultKeyBuilder(prefix=prefix))
    clock = Clock()
    storage = FallbackStorage(through_proxy, ttl_s=60, clock=clock)
    try:
        yield Outage(proxy, storage, direct, clock, StorageKey(bot_id=1, chat_id=45, user_id=45))
    finally:
        await direct.redis.delete(*[k async for k in direct.redis.scan_iter(f"{prefix}:*")] or ["-"])
        await storage.close()
        await direct.close()
        await proxy.close()


async def test_a_conversation_survives_a_redis_outage_and_returns_to_redis() -> None:
    async with _outage() as o:
        storage, direct, key = o.storage, o.direct, o.key
        await storage.set_state(key, "Report:text")
        assert await direct.get_state(key) == "Report:text"  # Redis holds it while it answers

        await o.proxy.cut()
        await storage.set_state(key, "Report:location")
        await storage.set_data(key, {"text": "Во дворе драка"})
        assert (await storage.get_state(key), await storage.get_data(key)) == ("Report:location",
                                                                              {"text": "Во дворе драка"})
        assert await direct.get_state(key) == "Report:text"  # written only to this process's memory

        await o.back()  # past the back-off: Redis is asked again
        assert await storage.get_state(key) == "Report:location"
        assert await storage.get_data(key) == {"text": "Во дворе драка"}
        # handed back: another worker reading Redis sees the conversation where it is
        assert (await direct.get_state(key), await direct.get_data(key)) == ("Report:location",
                                                                            {"text": "Во дворе драка"})

        await o.proxy.cut()
        o.clock.now += 10
        assert await storage.get_state(key) is None  # unknown here: nothing kept locally once Redis had it


async def test_kept_entries_expire_like_redis_ones() -> None:
    """A half-filed report holds personal data: memory keeps it no longer than Redis would (its TTL)."""
    clock = Clock()
    dead = RedisStorage.from_url("redis://127.0.0.1:1/0", connection_kwargs={"socket_connect_timeout": 0.5})
    storage = FallbackStorage(dead, ttl_s=60, clock=clock)
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    try:
        await storage.set_data(key, {"text": "ИИН 900101300127"})
        assert await storage.get_data(key) == {"text": "ИИН 900101300127"}
        clock.now += 61
        assert await storage.get_data(key) == {}
    finally:
        await storage.close()


async def test_data_unreadable_for_want_of_redis_is_told_from_none() -> None:
    """Both read as empty; only the first may be a live draft still in Redis (bots.citizen.report_draft.draft_data)."""
    async with _outage() as o:
        storage, key, other = o.storage, o.key, StorageKey(bot_id=1, chat_id=44, user_id=44)
        await storage.set_data(key, {"key": "draft"})
        assert await storage.get_data(other) == {} and not storage.data_unread(other)  # none in Redis

        await o.proxy.cut()
        assert await storage.get_data(key) == {} and storage.data_unread(key)  # in Redis, unreadable now
        await storage.set_data(other, {"text": "Во дворе драка"})
        assert await storage.get_data(other) == {"text": "Во дворе драка"} and not storage.data_unread(other)

        await o.back()
        assert await storage.get_data(key) == {"key": "draft"} and not storage.data_unread(key)


async def test_what_was_read_unreadable_is_forgotten_like_the_entries() -> None:
    """Each chat whose data was read while Redis was away is remembered as unread (its next write merged, not
    replacing): a chat that never wrote again stayed in that record for as long as the process ran. It expires like
    the conversations kept in memory (their TTL)."""
    async with _outage() as o:
        await o.proxy.cut()
        for chat_id in range(100, 110):
            chat = StorageKey(bot_id=1, chat_id=chat_id, user_id=chat_id)
            assert await o.storage.get_data(chat) == {} and o.storage.data_unread(chat)
        o.clock.now += 61  # past the TTL (60 s here)
        late = StorageKey(bot_id=1, chat_id=200, user_id=200)
        assert await o.storage.get_data(late) == {} and o.storage.data_unread(late)
        assert not o.storage.data_unread(StorageKey(bot_id=1, chat_id=100, user_id=100))
        assert len(o.storage._unread) == 1  # the ten read a TTL ago are gone, not only read as gone


DRAFT = {"key": "draft", "text": "Во дворе драка", "since": 7}


async def test_an_update_written_while_the_data_was_unreadable_joins_it_in_redis() -> None:
    """A step that lost Redis mid-handler: update_data read {} and kept only the new fields. Handed back, they are
    merged over the draft Redis holds (they win), not replacing it (the description and the key lost)."""
    async with _outage() as o:
        await o.storage.set_data(o.key, DRAFT)
        await o.proxy.cut()
        assert await o.storage.update_data(o.key, {"lat": 51.16, "text": "Во дворе драка, двое"}) == {
            "lat": 51.16, "text": "Во дворе драка, двое"}
        # read again while Redis is away: still only part of the data, the draft's key unknown (not an expired one)
        assert await o.storage.get_data(o.key) == {"lat": 51.16, "text": "Во дворе драка, двое"}
        assert o.storage.data_unread(o.key)
        await o.storage.update_data(o.key, {"lon": 71.47})  # still partial, though read from memory

        await o.back()
        merged = {**DRAFT, "text": "Во дворе драка, двое", "lat": 51.16, "lon": 71.47}
        assert await o.storage.get_data(o.key) == merged and not o.storage.data_unread(o.key)
        assert await o.direct.get_data(o.key) == merged


async def test_an_update_after_an_unreadable_read_merges_once_redis_answers_within_the_step() -> None:
    """Redis back between the handler's read (unread, {}) and its write: the write goes to Redis merged too."""
    async with _outage() as o:
        await o.storage.set_data(o.key, DRAFT)
        await o.proxy.cut()
        assert await o.storage.get_data(o.key) == {}
        await o.back()
        await o.storage.set_data(o.key, {"lat": 51.16})
        assert await o.direct.get_data(o.key) == {**DRAFT, "lat": 51.16}


async def test_data_known_when_written_replaces_what_redis_holds() -> None:
    """Read in full before Redis went away, the value written is the whole of the data: a field it dropped stays
    dropped in Redis."""
    async with _outage() as o:
        await o.storage.set_data(o.key, {**DRAFT, "typed": [[5, "драка"]]})
        data = await o.storage.get_data(o.key)
        await o.proxy.cut()
        del data["typed"]
        await o.storage.set_data(o.key, data)
        await o.back()
        assert await o.storage.get_data(o.key) == DRAFT
        assert await o.direct.get_data(o.key) == DRAFT


async def test_a_clear_while_the_data_was_unreadable_replaces_it() -> None:
    """A clear says all of the data goes, whatever it was: merged, the old draft would come back in Redis (personal
    data kept after a cancel) and under a new draft started in the same outage (its description, place, files in a
    new report)."""
    async with _outage() as o:
        await o.storage.set_data(o.key, {**DRAFT, "lat": 51.16})
        await o.proxy.cut()
        assert await o.storage.get_data(o.key) == {} and o.storage.data_unread(o.key)
        await o.storage.set_data(o.key, {})  # FSMContext.clear: drop_draft before a new draft
        assert not o.storage.data_unread(o.key)
        await o.storage.set_data(o.key, {"key": "new", "since": 9})
        await o.back()
        assert await o.storage.get_data(o.key) == {"key": "new", "since": 9}
        assert await o.direct.get_data(o.key) == {"key": "new", "since": 9}


async def test_a_clear_alone_while_the_data_was_unreadable_empties_redis() -> None:
    async with _outage() as o:
        await o.storage.set_data(o.key, DRAFT)
        await o.proxy.cut()
        await o.storage.get_data(o.key)
        await o.storage.set_data(o.key, {})
        await o.back()
        assert await o.storage.get_data(o.key) == {}
        assert await o.direct.get_data(o.key) == {}
