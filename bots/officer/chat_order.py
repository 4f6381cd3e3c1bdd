"""The duty bot's polled updates: handled side by side across chats, one at a time and in order within a chat, and
each once (`bots.once`).

python-telegram-bot hands every polled update to its update processor. Its default handles one update at a time
across all chats: one officer's slow /status or Accept (a database under load, Telegram's flood control) kept every
other officer's offer and /shift waiting. Here each update runs as soon as its chat is free. Within a chat order
still matters: a /link before the /shift that needs it, two taps on the same offer.

At most CONCURRENT_UPDATES updates are handled at once, but a slot is taken only once the update's chat is free.
PTB's own limit (`max_concurrent_updates`) is taken before the processor sees an update, so an update waiting for
its chat would hold one: one chat sending CONCURRENT_UPDATES messages behind a slow one (a flood, a stuck answer)
held every slot and no other officer's offer or /shift was handled until it drained. PTB's limit is therefore left
unbounded (PTB starts a task per fetched update either way) and ours (`slots`) is taken within the chat; PTB's
`current_concurrent_updates` then counts the fetched updates not yet handled, waiting ones included.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from backend.context import Context
from bots.locks import KeyedLocks
from bots.once import once

# updates handled at once per process: far more than officers tap at the same moment, and few enough that the
# database pool (ZAN_DB_POOL_SIZE + ZAN_DB_MAX_OVERFLOW) is not asked for many more connections than it has
CONCURRENT_UPDATES = 64


class ChatOrder(BaseUpdateProcessor):
    """Per chat: this process's lock (the order they were fetched in), then a slot, then the update's claim, then its
    handlers."""

    def __init__(self, ctx: Context, bot_name: str, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(sys.maxsize)  # PTB's slot would be taken before the chat's lock: see the module's doc
        self.ctx = ctx
        self.bot_name = bot_name
        self.chats: KeyedLocks[int] = KeyedLocks()
        self.slots = asyncio.BoundedSemaphore(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self.slots:
                await coroutine
            return
        chat = update.effective_chat
        # no chat (an inline query, say): nothing to keep in order with. Claimed within the chat's lock: a copy that
        # waits for another process's claim keeps its place
        async with (self.chats.hold(chat.id) if chat is not None else contextlib.nullcontext(), self.slots,
                    once(self.ctx, self.bot_name, update.update_id) as mine):
            if mine:
                await coroutine
                return
        if asyncio.iscoroutine(coroutine):
            coroutine.close()  # handled before: its handlers never run

    async def initialize(self) -> None:
        pass  # nothing to set up: the locks come and go with the chats

    async def shutdown(self) -> None:
        pass  # Application.stop waited for the updates being handled
