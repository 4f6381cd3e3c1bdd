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

Data written while the primary's was unread that way is only part of the chat's data: aiogram's update_data merges
into the empty read and writes the result, so a step that lost Redis mid-handler keeps just its new fields (the place,
not the description or the draft's key). Such a write is kept as partial and, once the primary answers, merged over
what it holds (the fields written here win) instead of replacing it; a read of it while the primary is still away is
unread too (the draft's other fields are unknown). A value written after a successful read (known in full) replaces,
as does a clear (set_data({}), `FSMContext.clear`): it says the whole of the data goes, whatever it was. Merged, it
would leave the previous draft in Redis under the next one started in the same outage (its description, place, files
coming back into a new report), and the citizen's personal data in Redis after they cancelled. Accepted: a value
written blind (no read before it in its update) while the key's last read was unread is taken for partial too, the
fields Redis holds beside it kept; the handlers read before they write, and the FSM state, not the data, says
whether a draft is live.

The state is read the same way: a chat whose step was read from Redis earlier in the update (the middleware's read,
before any handler) and that reads none now, Redis gone meanwhile, is still at that step, only unreadable (the chat's
lock, bots.citizen.isolation, keeps its other updates out meanwhile): `step_unread` says which, so a report's step is
not taken for none (the question it asks unsaid, or a new draft started over it). A step never read in the update
(Redis away from its start, nothing kept here) is none, as before: the update is handled as a chat with no step, but
`step_unknown` says so, for no new draft may be started over it: written blind, it would be handed back over the one
Redis may hold (its description, place and files gone from the chat). The citizen is asked to send it again instead
(report_draft.open_draft), once per album (`album_told`: nothing written, the FSM data cannot note it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Data:
    """A chat's data as kept here: `partial` when written while the primary's was unread (merged over it later)."""

    values: dict[str, Any]
    partial: bool = False


@dataclass(frozen=True)
class _Step:
    """A chat's step as the update last knew it (read from the primary or kept here, or written), and whether its
    latest read found neither (`unread`)."""

    value: str | None
    unread: bool = False
    known: bool = True  # False: never read in the update, Redis away from its start and nothing kept here


# the chats' steps as the update being handled knows them (steps_of_update): what step_unread falls back on
_STEPS: ContextVar[dict[StorageKey, _Step] | None] = ContextVar("zan_citizen_steps", default=None)


@contextmanager
def steps_of_update() -> Iterator[None]:
    """The block is one update (the chat's lock, bots.citizen.isolation): the steps it reads are its own, never
    another update's."""
    token = _STEPS.set({})
    try:
        yield
    finally:
        _STEPS.reset(token)


def _step_read(key: StorageKey, found: tuple[str | None] | None) -> None:
    steps = _STEPS.get()
    if steps is None:
        return
    if found is not None:
        steps[key] = _Step(found[0])
    elif key in steps:
        steps[key] = _Step(steps[key].value, unread=True, known=steps[key].known)
    else:
        steps[key] = _Step(None, unread=True, known=False)


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
        self._data: dict[StorageKey, tuple[_Data, float]] = {}
        # keys whose last data read found neither the primary nor a full local entry: read as empty (or as the part
        # written here), the rest unknown. Expiring like the entries (the value is unused): a chat read once in an
        # outage and never again would otherwise stay for as long as the process runs
        self._unread: dict[StorageKey, tuple[None, float]] = {}
        # per chat, the albums answered while its step was unknown (step_unknown): nothing of the chat is written
        # then, so its FSM data cannot note them (first_told)
        self._told: dict[StorageKey, tuple[frozenset[str], float]] = {}
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
                     call: Callable[[], Awaitable[object]]) -> None:
        """To the primary, which then holds the newest value; kept here while it is away."""
        if await self.attempt(call) is not None:
            entries.pop(key, None)
        else:
            self._keep(entries, key, value)

    async def _read(self, entries: dict[StorageKey, tuple[_T, float]], key: StorageKey,
                    read: Callable[[], Awaitable[_T]], hand_back: Callable[[_T], Awaitable[_T]]) -> tuple[_T] | None:
        """A value kept here is the newest: it moves to the primary once that answers again (so every worker sees
        the conversation), and what the primary then holds is returned (`hand_back`'s result), else the value kept.
        None (unknown) while the primary is away and nothing is kept here: the caller's empty value, the dialogue
        starting afresh."""
        local = self._fresh(entries, key)
        if local is not None:
            handed = await self.attempt(lambda: hand_back(local[0]))
            if handed is not None:
                entries.pop(key, None)
                return handed
            return local
        return await self.attempt(read)

    # -- BaseStorage -------------------------------------------------------------------------------------------------
    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(self._states, key, value, lambda: self.primary.set_state(key, value))
        _step_read(key, (value,))  # known now, wherever it was written

    async def get_state(self, key: StorageKey) -> str | None:
        found = await self._read(self._states, key, lambda: self.primary.get_state(key),
                                 lambda value: self._state_back(key, value))
        _step_read(key, found)
        return found[0] if found is not None else None

    async def _state_back(self, key: StorageKey, value: str | None) -> str | None:
        await self.primary.set_state(key, value)
        return value

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        # a copy: the caller may go on changing its mapping. Partial when derived from an unread read (module doc);
        # a clear never is, and the data is known again after it (empty)
        kept = _Data(dict(data), partial=bool(data) and self.data_unread(key))
        await self._write(self._data, key, kept, lambda: self._put(key, kept))
        if not kept.values:
            self._unread.pop(key, None)

    async def _put(self, key: StorageKey, kept: _Data) -> _Data:
        """`kept` written to the primary, a partial value merged over what it holds (the fields kept here win), not
        replacing it: what the primary holds now. Two calls, not atomic: the chat's lock (bots.citizen.isolation)
        keeps other updates of the chat out meanwhile, and a failure between them writes nothing (`kept` stays)."""
        values = {**await self.primary.get_data(key), **kept.values} if kept.partial else kept.values
        await self.primary.set_data(key, values)
        return _Data(values)

    async def _primary_data(self, key: StorageKey) -> _Data:
        return _Data(await self.primary.get_data(key))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        found = await self._read(self._data, key, lambda: self._primary_data(key), lambda kept: self._put(key, kept))
        if found is None or found[0].partial:
            self._keep(self._unread, key, None)
        else:
            self._unread.pop(key, None)
        return dict(found[0].values) if found is not None else {}  # a copy: changed by the caller without set_data

    def data_unread(self, key: StorageKey) -> bool:
        """Whether the last `get_data(key)` read the chat's data only in part (empty, or what was written here) because
        the primary was away: the rest of it, a live draft maybe, is unknown."""
        return self._fresh(self._unread, key) is not None

    def first_told(self, key: StorageKey, album: str) -> bool:
        """Whether the chat's `album` (its media_group_id) is answered by the file asking now: the first of its files
        to ask is, and noted, so the others, asking next, are not. This process's memory, expiring like the entries."""
        told = self._fresh(self._told, key)
        albums = told[0] if told is not None else frozenset()
        if album in albums:
            return False
        self._keep(self._told, key, albums | {album})
        return True

    async def close(self) -> None:
        self._states.clear()
        self._data.clear()
        self._unread.clear()
        self._told.clear()
        await self.primary.close()


def step_unread(state: FSMContext) -> str | None:
    """The chat's step when its latest read in this update found Redis away and nothing kept here, though the update
    read it before (the step the chat is still at: module doc); None otherwise (read, or never read in the update)."""
    step = (_STEPS.get() or {}).get(state.key)
    return step.value if step is not None and step.unread else None


async def step_now(state: FSMContext) -> str | None:
    """The chat's step read now; should Redis have gone away since the update read it, that earlier read
    (step_unread), not none: a step taken for none leaves its question unasked, or a kept file unanswered."""
    return await state.get_state() or step_unread(state)


def step_unknown(state: FSMContext) -> bool:
    """Whether the chat's step has not been read in this update at all: Redis away since its start (the middleware's
    read, before any handler) and nothing kept here, nor written since. It reads as none, yet Redis may hold a report
    in progress (module doc)."""
    step = (_STEPS.get() or {}).get(state.key)
    return step is not None and not step.known


def album_told(state: FSMContext, album: str) -> bool:
    """Whether `album` of the chat was answered already by another of its files refused over a step unknown (each
    file an update of its own, refused alike; nothing written, so the FSM data cannot say it, as
    report_draft.first_of_album does): this process's memory, the first file noted as it answers. An album's files
    reaching other workers are answered once in each. Never with another storage (no step is unknown there)."""
    storage = state.storage
    return isinstance(storage, FallbackStorage) and not storage.first_told(state.key, album)


def data_unreadable(state: FSMContext) -> bool:
    """Whether the data just read from `state` is empty or partial for want of Redis (`FallbackStorage.data_unread`),
    not because the chat has none; never with another storage (MemoryStorage in embedded mode cannot be away)."""
    storage = state.storage
    return isinstance(storage, FallbackStorage) and storage.data_unread(state.key)
