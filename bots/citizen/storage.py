"""FSM storage of the citizen bot that keeps answering while Redis is down.

aiogram reads the chat's state before any handler runs, so a bare RedisStorage turns a Redis outage into silence:
every update fails in the FSM middleware and the citizen gets no reply at all (an emergency included). Like every
other Redis use in Zan, Redis is an accelerator here, not something the bot may depend on: each call goes to Redis
first and, when Redis is unreachable, to this process's memory.

Why memory and not the database: there is no table for conversation state and a conversation is short-lived, so
losing it in the rare case that Redis is down *and* the next update of the chat reaches another worker costs the
citizen one step of a dialogue (the bot still answers), not a report — reports and their files are stored in the
database by the handlers themselves. Entries expire like the Redis ones (they hold personal data) and are handed
back to Redis as soon as it answers again, so the conversation is shared by all workers again.

An unknown key reads as empty while Redis is away, which is also what an expired one reads as. The difference matters
to a chat whose state was read from Redis before Redis went away (within one update): its report draft is still in
Redis, only unreadable now, and must not be taken for one that expired (its state let go, handed back to Redis: the
draft lost for good). So each data read records whether it fell back that way (`data_unreadable`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from backend.lib.redis import UNAVAILABLE

log = logging.getLogger("zan.bots.citizen.storage")
# after a failure Redis is not asked again for a few seconds: with a blackholed Redis every call would otherwise
# wait for the connect timeout, several times per update
RETRY_AFTER_S = 5.0
_T = TypeVar("_T")


class FallbackStorage(BaseStorage):
    """`primary` (RedisStorage) per call, this process's memory while `primary` raises one of `errors`."""

    def __init__(self, primary: BaseStorage, *, ttl_s: float, retry_after_s: float = RETRY_AFTER_S,
                 errors: tuple[type[BaseException], ...] = UNAVAILABLE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.primary = primary
        self.ttl_s = ttl_s
        self.retry_after_s = retry_after_s
        self.errors = errors
        self.clock = clock
        # written while the primary was away; an entry is newer than what the primary holds for that key
        self._states: dict[StorageKey, tuple[str | None, float]] = {}
        self._data: dict[StorageKey, tuple[dict[str, Any], float]] = {}
        # keys whose last data read found neither the primary nor a local entry: read as empty, but unknown
        self._unread: set[StorageKey] = set()
        self._down_until = 0.0
        self._down = False

    # -- the primary ------------------------------------------------------------------------------------------------
    async def attempt(self, call: Callable[[], Awaitable[_T]]) -> tuple[_T] | None:
        """`call` (on the primary) and its result in a 1-tuple, or None while the primary is away (not asked again
        for a few seconds). Public for the chat's lock (`bots.citizen.isolation`): one outage for the FSM and its
        lock."""
        if self.clock() < self._down_until:
            return None
        try:
            result = await call()
        except self.errors as exc:
            self._down_until = self.clock() + self.retry_after_s
            if not self._down:  # once per outage, not once per call
                self._down = True
                log.warning("citizen bot FSM storage unavailable, keeping conversations in memory: %r", exc)
            return None
        if self._down:
            self._down = False
            log.info("citizen bot FSM storage is back")
        return (result,)

    # -- local entries -----------------------------------------------------------------------------------------------
    def _fresh(self, entries: dict[StorageKey, tuple[_T, float]], key: StorageKey) -> tuple[_T] | None:
        """The local value for `key` (in a 1-tuple: a stored None state is a value), dropping it once expired."""
        entry = entries.get(key)
        if entry is None:
            return None
        if entry[1] <= self.clock():
            del entries[key]
            return None
        return (entry[0],)

    def _keep(self, entries: dict[StorageKey, tuple[_T, float]], key: StorageKey, value: _T) -> None:
        now = self.clock()
        # the memory must not grow for ever, nor keep personal data longer than Redis would
        for stale in [k for k, (_, expires) in entries.items() if expires <= now]:
            del entries[stale]
        entries[key] = (value, now + self.ttl_s)

    async def _write(self, entries: dict[StorageKey, tuple[_T, float]], key: StorageKey, value: _T,
                     call: Callable[[], Awaitable[None]]) -> None:
        """To the primary, which then holds the newest value; kept here while it is away."""
        if await self.attempt(call) is not None:
            entries.pop(key, None)
        else:
            self._keep(entries, key, value)

    async def _read(self, entries: dict[StorageKey, tuple[_T, float]], key: StorageKey,
                    read: Callable[[], Awaitable[_T]], hand_back: Callable[[_T], Awaitable[None]]) -> tuple[_T] | None:
        """A value kept here is the newest: it is returned, and moves to the primary once that answers again (so
        every worker sees the conversation). None (unknown) while the primary is away and nothing is kept here: the
        caller's empty value, the dialogue starting afresh."""
        local = self._fresh(entries, key)
        if local is not None:
            if await self.attempt(lambda: hand_back(local[0])) is not None:
                entries.pop(key, None)
            return local
        return await self.attempt(read)

    # -- BaseStorage -------------------------------------------------------------------------------------------------
    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(self._states, key, value, lambda: self.primary.set_state(key, value))

    async def get_state(self, key: StorageKey) -> str | None:
        found = await self._read(self._states, key, lambda: self.primary.get_state(key),
                                 lambda value: self.primary.set_state(key, value))
        return found[0] if found is not None else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        value = dict(data)  # a copy: the caller may go on changing its mapping
        await self._write(self._data, key, value, lambda: self.primary.set_data(key, value))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        found = await self._read(self._data, key, lambda: self.primary.get_data(key),
                                 lambda value: self.primary.set_data(key, value))
        if found is None:
            self._unread.add(key)
            return {}
        self._unread.discard(key)
        return dict(found[0])  # a copy: the caller may change it without a set_data

    def data_unread(self, key: StorageKey) -> bool:
        """Whether the last `get_data(key)` read empty only because the primary was away (nothing kept here)."""
        return key in self._unread

    async def close(self) -> None:
        self._states.clear()
        self._data.clear()
        self._unread.clear()
        await self.primary.close()


def data_unreadable(state: FSMContext) -> bool:
    """Whether the data just read from `state` is empty for want of Redis (`FallbackStorage.data_unread`), not because
    the chat has none; never with another storage (MemoryStorage in embedded mode cannot be away)."""
    storage = state.storage
    return isinstance(storage, FallbackStorage) and storage.data_unread(state.key)
