"""What both bots' webhooks share: Telegram's secret header, update_id de-duplication, background handling.

Telegram proves itself with the secret token we gave it in setWebhook (header X-Telegram-Bot-Api-Secret-Token,
compared in constant time). An endpoint answers 200 at once and handles the update in the background: Telegram
re-delivers an update it did not get a 2xx for within its timeout, so slow work must not cause duplicates — and any
duplicate that still arrives is handled once (`bots.once`: claimed while handled, marked done once handled, by
update_id in Redis, or the database when Redis is down). Both bots' pollers use the same marks.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from litestar.params import HeaderParameter

from backend.context import Context
from backend.lib.errors import ZanError
from bots.once import claim, claim_when_free, handled, purge_seen_updates

__all__ = ["SecretHeader", "check_secret", "drain", "purge_seen_updates", "spawn", "take"]
TASKS_KEY = "telegram_webhook_tasks"
SecretHeader = Annotated[str | None, HeaderParameter(name="X-Telegram-Bot-Api-Secret-Token", required=False)]


# a 401 names the credential that would do (RFC 9110 §11.6.1): here, the secret token set with setWebhook
CHALLENGE = {"WWW-Authenticate": 'X-Telegram-Bot-Api-Secret-Token realm="zan-telegram"'}


def check_secret(ctx: Context, secret: str | None) -> None:
    expected = ctx.settings.telegram_webhook_secret
    if not expected or secret is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise ZanError("auth.unauthenticated", 401, headers=CHALLENGE)


async def take(ctx: Context, bot_name: str, update_id: int, handle: Callable[[], Awaitable[Any]]) -> None:
    """Hand an update to the background unless it was handled (`bots.once`): a copy that arrives while another is
    being handled waits for it there, and is handled only if that one fails. A failing update is logged and does not
    take the others down. Raises (a 5xx, so Telegram delivers it again) when neither Redis nor the database can
    record it."""
    if not 0 <= update_id < 2**63:  # Telegram's ids fit the BIGINT de-duplication key; anything else is forged
        raise ZanError("validation.body_malformed", 400)
    first = await claim(ctx, bot_name, update_id)
    if first == "done":
        return

    async def run() -> None:
        found = await claim_when_free(ctx, bot_name, update_id, first=first)
        if found is None:
            return
        try:
            async with handled(found):
                await handle()
        except Exception:
            logging.getLogger(f"zan.bots.{bot_name}").exception("%s bot update %s failed", bot_name, update_id)

    spawn(ctx, run())


def spawn(ctx: Context, work: Coroutine[Any, Any, None]) -> None:
    """Run `work` in the background, tracked so shutdown (and tests) can wait for it."""
    # strong references: the event loop keeps only weak ones to running tasks
    tasks: set[asyncio.Task[None]] = ctx.extras.setdefault(TASKS_KEY, set())
    task = asyncio.create_task(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def drain(ctx: Context) -> None:
    """Wait until every background update of this Context is handled."""
    tasks: set[asyncio.Task[None]] = ctx.extras.get(TASKS_KEY, set())
    while tasks:
        await asyncio.gather(*list(tasks), return_exceptions=True)
