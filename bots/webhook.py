"""What both bots' webhooks share: Telegram's secret header, update_id de-duplication, background handling.

Telegram proves itself with the secret token we gave it in setWebhook (header X-Telegram-Bot-Api-Secret-Token,
compared in constant time). An endpoint answers 200 at once and handles the update in the background: Telegram
re-delivers an update it did not get a 2xx for within its timeout, so slow work must not cause duplicates — and any
duplicate that still arrives is dropped by update_id (Redis SET NX with a TTL; the database when Redis is down).

Polling gets duplicates too: getUpdates hands a restarted poller every update whose offset was not confirmed (the
confirmation rides on the *next* getUpdates, which a crash, a kill or an unreachable Bot API at shutdown never
sends). Both bots' pollers drop them with the same de-duplication (`first_polled`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

from litestar.params import HeaderParameter
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.lib.redis import UNAVAILABLE
from bots.models import TelegramUpdateSeen

SEEN_TTL_S = 24 * 3600
TASKS_KEY = "telegram_webhook_tasks"
SecretHeader = Annotated[str | None, HeaderParameter(name="X-Telegram-Bot-Api-Secret-Token", required=False)]


def check_secret(ctx: Context, secret: str | None) -> None:
    expected = ctx.settings.telegram_webhook_secret
    if not expected or secret is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise ZanError("auth.unauthenticated", 401)


async def first_delivery(ctx: Context, bot_name: str, update_id: int) -> bool:
    """True the first time this bot's update_id arrives (within a day — Telegram gives up re-delivering far
    sooner)."""
    if ctx.redis is not None:
        try:
            return bool(await ctx.redis.set(ctx.keys("tg", bot_name, "update", update_id), "1", nx=True,
                                            ex=SEEN_TTL_S))
        except UNAVAILABLE:
            pass  # the database is slower but always there
    async with ctx.sessions() as session:
        now = utcnow()
        try:
            async with session.begin_nested():
                session.add(TelegramUpdateSeen(bot=bot_name, update_id=update_id,
                                               expires_at=now + timedelta(seconds=SEEN_TTL_S)))
        except IntegrityError:
            return False
        await session.commit()
    return True


async def first_polled(ctx: Context, bot_name: str, update_id: int) -> bool:
    """`first_delivery` for a polled update (the same keys: an update is handled once whichever way it came), except
    that an update whose check fails (Redis and the database both away) is handled, not dropped: unlike a webhook's,
    nobody would deliver it again, and a rare duplicate answer is better than a citizen's message lost."""
    try:
        return await first_delivery(ctx, bot_name, update_id)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        logging.getLogger(f"zan.bots.{bot_name}").warning("%s bot update %s not de-duplicated: %r", bot_name,
                                                          update_id, exc)
        return True


async def purge_seen_updates(ctx: Context) -> int:
    """Housekeeping for the database de-duplication table."""
    async with ctx.sessions() as session:
        result = await session.execute(delete(TelegramUpdateSeen).where(TelegramUpdateSeen.expires_at < utcnow()))  # type: ignore[arg-type]
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def take(ctx: Context, bot_name: str, update_id: int, handle: Callable[[], Awaitable[Any]]) -> None:
    """Hand an update to the background the first time it arrives; a replay is dropped. A failing update is logged
    and does not take the others down (Telegram will not resend it anyway)."""
    if not 0 <= update_id < 2**63:  # Telegram's ids fit the BIGINT de-duplication key; anything else is forged
        raise ZanError("validation.body_malformed", 400)
    if not await first_delivery(ctx, bot_name, update_id):
        return

    async def run() -> None:
        try:
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
