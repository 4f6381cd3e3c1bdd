"""One asyncio lock per chat in this process, for both bots: a chat's updates are handled one at a time, in the
order they arrived (asyncio's locks are fair), while other chats go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class _Entry:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holding or waiting


class KeyedLocks(Generic[K]):
    """A lock per key, dropped from the map once nobody holds or waits for it: one entry per chat ever seen would
    grow for as long as the process runs."""

    def __init__(self) -> None:
        self._entries: dict[K, _Entry] = {}

    async def acquire(self, key: K) -> None:
        entry = self._entries.setdefault(key, _Entry())
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:
            self._leave(key, entry)
            raise

    def release(self, key: K) -> None:
        entry = self._entries[key]
        entry.lock.release()
        self._leave(key, entry)

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        await self.acquire(key)
        try:
            yield
        finally:
            self.release(key)

    def __len__(self) -> int:
        """Keys held or waited for now."""
        return len(self._entries)

    def _leave(self, key: K, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0 and self._entries.get(key) is entry:
            del self._entries[key]
