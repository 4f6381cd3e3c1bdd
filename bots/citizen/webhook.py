"""POST /api/v1/telegram/citizen/webhook — Telegram delivers the citizen bot's updates here in webhook mode.

Telegram proves itself with the secret token we gave it in setWebhook (header X-Telegram-Bot-Api-Secret-Token,
compared in constant time). We answer 200 at once and handle the update in the background: Telegram re-delivers
an update it did not get a 2xx for within its timeout, so a slow legal answer must not cause duplicates — and any
duplicate that still arrives is dropped by update_id (Redis SET NX with a TTL; the database when Redis is down).
"""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta
from typing import Annotated, Any

from aiogram.types import Update
from litestar import Controller, Request, post
from litestar.params import HeaderParameter
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from backend.context import Context
from backend.deps import CtxDep
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.lib.redis import UNAVAILABLE
from bots.citizen import runtime
from bots.models import TelegramUpdateSeen

log = logging.getLogger("zan.bots.citizen")
SEEN_TTL_S = 24 * 3600
BOT_NAME = "citizen"
SecretHeader = Annotated[str | None, HeaderParameter(name="X-Telegram-Bot-Api-Secret-Token", required=False)]


async def first_delivery(ctx: Context, update_id: int) -> bool:
    """True the first time this update_id arrives (within a day — Telegram gives up re-delivering far sooner)."""
    if ctx.redis is not None:
        try:
            return bool(await ctx.redis.set(ctx.keys("tg", BOT_NAME, "update", update_id), "1", nx=True,
                                            ex=SEEN_TTL_S))
        except UNAVAILABLE:
            pass  # the database is slower but always there
    async with ctx.sessions() as session:
        now = utcnow()
        try:
            async with session.begin_nested():
                session.add(TelegramUpdateSeen(bot=BOT_NAME, update_id=update_id,
                                               expires_at=now + timedelta(seconds=SEEN_TTL_S)))
        except IntegrityError:
            return False
        await session.commit()
    return True


async def purge_seen_updates(ctx: Context) -> int:
    """Housekeeping for the database de-duplication table."""
    async with ctx.sessions() as session:
        result = await session.execute(delete(TelegramUpdateSeen).where(TelegramUpdateSeen.expires_at < utcnow()))  # type: ignore[arg-type]
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def _handle(bot: runtime.CitizenBot, update: Update) -> None:
    try:
        await bot.dispatcher.feed_update(bot.bot, update)
    except Exception:  # one broken update must not take the others down; Telegram will not resend it anyway
        log.exception("citizen bot update %s failed", update.update_id)


class TelegramWebhookController(Controller):
    path = "/api/v1/telegram/citizen"
    tags = ["telegram"]
    include_in_schema = False

    @post("/webhook", status_code=200)
    async def webhook(self, ctx: CtxDep, request: Request[Any, Any, Any],
                      secret: SecretHeader = None) -> dict[str, bool]:
        expected = ctx.settings.telegram_webhook_secret
        if not expected or secret is None or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise ZanError("auth.unauthenticated", 401)
        bot = runtime.get(ctx)
        if bot is None:
            raise ZanError("not_found", 404)
        try:
            update = Update.model_validate_json(await request.body(), context={"bot": bot.bot})
        except ValidationError as exc:
            raise ZanError("validation.body_malformed", 400) from exc
        if await first_delivery(ctx, update.update_id):
            runtime.spawn(ctx, _handle(bot, update))
        return {"ok": True}
