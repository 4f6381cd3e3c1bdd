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
one outage and skip Redis together for a few seconds. The Redis lock is renewed while its update is handled (for at
most MAX_HOLD_S), and expires LOCK_TTL_S after its worker died.

An album's updates each wait a moment for the others (report_flow's "settle"); `pause` lets the chat go meanwhile,
or every file would wait for the previous one's pause and each would answer on its own. A file's download and upload
let it go too (`released`): held through a slow store, the album's other files would queue behind it, be stored one
after another, and outlast the first one's settle (several answers to one album).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio.lock import Lock as RedisLock
from redis.exceptions import LockNotOwnedError

from backend.lib.redis import UNAVAILABLE
from backend.lib.tasks import stop_task
from bots.citizen.storage import FallbackStorage, steps_of_update
from bots.locks import KeyedLocks

log = logging.getLogger("zan.bots.citizen.isolation")
# the Redis lock's life without renewal: how long a chat waits for an update whose worker died holding it. Renewed
# every LOCK_TTL_S / RENEWALS_PER_TTL while the update is handled, however slow (a stalled Bot API answer, a slow
# database): expired under a live handler, the chat's next update ran beside it in another worker, both reading and
# writing the chat's FSM data
LOCK_TTL_S = 60.0
RENEWALS_PER_TTL = 3  # a renewal may fail or come late twice before the lock expires under its handler
# a handler still running after this long is hung (a call without a timeout), not slow: its lock is no longer
# renewed, so the chat's other updates go on LOCK_TTL_S later rather than never (as bots.once.WAIT_MAX_S)
MAX_HOLD_S = 600.0
# how long an update waits for the chat in another worker before it is handled anyway (a lost word is better than a
# lost message): past the longest a live holder renews (MAX_HOLD_S) and the lock then lives (LOCK_TTL_S), so only a
# lock nobody lets go is ever given up on
WAIT_S = MAX_HOLD_S + LOCK_TTL_S
POLL_S = 0.05  # how often a waiting worker asks Redis again


class _Hold:
    """What one update of a chat holds: the local lock and, while Redis answers, the Redis one."""

    def __init__(self, isolation: ChatIsolation, key: StorageKey) -> None:
        self.isolation = isolation
        self.key = key
        self.local = False
        self.remote: RedisLock | None = None
        self.renewing: asyncio.Task[None] | None = None

    async def take(self) -> None:
        await self.isolation.locals.acquire(self.key)
        self.local = True
        try:
            self.remote = await self.isolation.take_remote(self.key)
            if self.remote is not None:
                self.renewing = asyncio.create_task(_renew(self.remote, self.isolation.lock_ttl_s,
                                                           self.isolation.max_hold_s))
        except BaseException:
            await self.give()
            raise

    async def give(self) -> None:
        renewing, self.renewing = self.renewing, None
        if renewing is not None:
            await stop_task(renewing)  # before the release: a renewal after it would take the chat back
        remote, self.remote = self.remote, None
        if remote is not None:
            await _release(remote)
        local, self.local = self.local, False
        if local:
            self.isolation.locals.release(self.key)


_HOLD: ContextVar[_Hold | None] = ContextVar("zan_citizen_chat_hold", default=None)


class ChatIsolation(BaseEventIsolation):
    """Per chat: this process's asyncio lock, plus a Redis lock when `storage` keeps the FSM in Redis."""

    def __init__(self, storage: BaseStorage, *, lock_ttl_s: float = LOCK_TTL_S, wait_s: float = WAIT_S,
                 max_hold_s: float = MAX_HOLD_S) -> None:
        self.storage = storage if isinstance(storage, FallbackStorage) else None
        primary = self.storage.primary if self.storage is not None else None
        self.redis = primary if isinstance(primary, RedisStorage) else None
        self.lock_ttl_s = lock_ttl_s
        self.wait_s = wait_s
        self.max_hold_s = max_hold_s
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


async def _renew(lock: RedisLock, ttl_s: float, max_hold_s: float) -> None:
    """Keep `lock` for as long as its update is handled (until cancelled), its TTL reset every ttl_s /
    RENEWALS_PER_TTL, for at most `max_hold_s`: then it is left to expire. A process that dies stops renewing with
    it, so its chat waits LOCK_TTL_S at most."""
    me = asyncio.current_task()
    until = time.monotonic() + max_hold_s
    # until told to stop, asked before each sleep: a cancellation landing as a Redis call ends may be swallowed
    # (backend.lib.tasks.stop_task tells it again; this makes sure it is heard)
    while me is None or not me.cancelling():
        await asyncio.sleep(ttl_s / RENEWALS_PER_TTL)
        if time.monotonic() >= until:
            log.warning("citizen chat held for %.0f s by one update; its lock is left to expire", max_hold_s)
            return
        try:
            await lock.reacquire()
        except LockNotOwnedError:
            # expired all the same (Redis away for longer than its TTL, or restarted empty): the chat may be another
            # worker's now, and taking it back from under that one would not undo the overlap
            log.warning("citizen chat lock lost while its update was handled")
            return
        except Exception:  # Redis away for a moment: renewed next time, before the lock expires
            log.info("citizen chat lock not renewed this time", exc_info=True)


async def _release(lock: RedisLock) -> None:
    try:
        await lock.release()
    except LockNotOwnedError:
        # not renewed in time (Redis away for longer than its TTL, or the handler outlived MAX_HOLD_S): another
        # worker may have had the chat meanwhile
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
