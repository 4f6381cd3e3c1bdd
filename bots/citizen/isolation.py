"""One update of a chat at a time: the citizen bot's events isolation (aiogram's `events_isolation`).

aiogram handles updates concurrently: polling runs a task per update, and each webhook POST is a task of its own in
either of the API's uvicorn workers. Two updates of one chat that arrive together — an album, a photo and its words,
a double tap — would each read the chat's FSM data, change it and write it back, and the later write would drop the
earlier one's change (words added to the description, say). aiogram's FSM middleware holds this lock from reading the
chat's state to the end of the handler.

The lock is the chat's asyncio lock in this process (its updates run in the order they arrived) and, while Redis
answers, a Redis lock shared by every process. While Redis is away the FSM is in this process's memory
(`bots.citizen.storage`), so the local lock is all the isolation it needs: an update is always handled, never
refused for want of a lock — like the storage, the lock asks Redis through `FallbackStorage.attempt`, so both see
one outage and skip Redis together for a few seconds.

An album's updates each wait a moment for the others (report_flow's "settle"); `pause` lets the chat go meanwhile,
or every file would wait for the previous one's pause and each would answer on its own. A file's download and upload
let it go too (`released`): held through a slow store, the album's other files would queue behind it, be stored one
after another, and outlast the first one's settle (several answers to one album).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio.lock import Lock as RedisLock
from redis.exceptions import LockNotOwnedError

from backend.lib.redis import UNAVAILABLE
from bots.citizen.storage import FallbackStorage, steps_of_update
from bots.locks import KeyedLocks

log = logging.getLogger("zan.bots.citizen.isolation")
# the Redis lock expires on its own after this long, so a worker that died holding it does not hold the chat for ever;
# handlers (a legal answer included) end well within it
LOCK_TTL_S = 60.0
# how long an update waits for the chat in another worker before it is handled anyway (a lost word is better than a
# lost message); by then the holder's lock has expired in all but the rarest cases
WAIT_S = LOCK_TTL_S
POLL_S = 0.05  # how often a waiting worker asks Redis again


class _Hold:
    """What one update of a chat holds: the local lock and, while Redis answers, the Redis one."""

    def __init__(self, isolation: ChatIsolation, key: StorageKey) -> None:
        self.isolation = isolation
        self.key = key
        self.local = False
        self.remote: RedisLock | None = None

    async def take(self) -> None:
        await self.isolation.locals.acquire(self.key)
        self.local = True
        try:
            self.remote = await self.isolation.take_remote(self.key)
        except BaseException:
            await self.give()
            raise

    async def give(self) -> None:
        remote, self.remote = self.remote, None
        if remote is not None:
            await _release(remote)
        local, self.local = self.local, False
        if local:
            self.isolation.locals.release(self.key)


_HOLD: ContextVar[_Hold | None] = ContextVar("zan_citizen_chat_hold", default=None)


class ChatIsolation(BaseEventIsolation):
    """Per chat: this process's asyncio lock, plus a Redis lock when `storage` keeps the FSM in Redis."""

    def __init__(self, storage: BaseStorage, *, lock_ttl_s: float = LOCK_TTL_S, wait_s: float = WAIT_S) -> None:
        self.storage = storage if isinstance(storage, FallbackStorage) else None
        primary = self.storage.primary if self.storage is not None else None
        self.redis = primary if isinstance(primary, RedisStorage) else None
        self.lock_ttl_s = lock_ttl_s
        self.wait_s = wait_s
        self.locals: KeyedLocks[StorageKey] = KeyedLocks()

    async def take_remote(self, key: StorageKey) -> RedisLock | None:
        """The chat's Redis lock, or None while Redis is away (or the chat was not free within `wait_s`)."""
        if self.storage is None or self.redis is None:
            return None
        redis = self.redis
        lock = RedisLock(redis.redis, redis.key_builder.build(key, "lock"), timeout=self.lock_ttl_s, sleep=POLL_S,
                         blocking_timeout=self.wait_s, thread_local=False)
        taken = await self.storage.attempt(lock.acquire)
        if taken is None:
            return None  # the FSM is in this process's memory now: the local lock covers it
        if not taken[0]:
            log.warning("citizen chat busy in another worker for %.0f s; handling the update without its lock",
                        self.wait_s)
            return None
        return lock

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        hold = _Hold(self, key)
        await hold.take()
        token = _HOLD.set(hold)
        try:
            with steps_of_update():  # the update's reads of the chat's step are its own (storage.step_unread)
                yield
        finally:
            _HOLD.reset(token)
            await hold.give()

    async def close(self) -> None:
        pass  # nothing of its own: the Redis connection is the storage's, closed with it


async def _release(lock: RedisLock) -> None:
    try:
        await lock.release()
    except LockNotOwnedError:
        # the handler outlived LOCK_TTL_S and the lock expired (another worker may have had the chat meanwhile)
        log.warning("citizen chat lock expired before its update was handled")
    except UNAVAILABLE:
        pass  # Redis went away meanwhile: the lock expires on its own


@asynccontextmanager
async def released() -> AsyncGenerator[None, None]:
    """Let the chat go for the block (other updates of it go on meanwhile), then take it back.

    For what does not touch the chat's FSM data and takes a while: an album's settle, a file's download and upload.
    Whatever the handler read of the FSM before the block may be stale after it: read it again."""
    hold = _HOLD.get()
    if hold is None:
        yield
        return
    await hold.give()
    try:
        yield
    finally:
        await hold.take()


@asynccontextmanager
async def held_briefly() -> AsyncGenerator[None, None]:
    """Take the chat for the block from a task started within `released` (a file's download renewing its place
    meanwhile): a hold of its own, so the handler taking the chat back at the end of `released` is not disturbed."""
    hold = _HOLD.get()
    if hold is None:
        yield
        return
    again = _Hold(hold.isolation, hold.key)
    await again.take()
    try:
        yield
    finally:
        await again.give()


async def pause(seconds: float) -> None:
    """Sleep `seconds` without holding the chat (other updates of it go on meanwhile), then take it back."""
    async with released():
        await asyncio.sleep(seconds)
