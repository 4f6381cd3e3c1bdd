"""POST /api/v1/telegram/citizen/webhook — Telegram delivers the citizen bot's updates here in webhook mode.

Answered at once, handled in the background (a slow legal answer must not make Telegram re-deliver); secret and
de-duplication as in `bots.webhook`.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import Update
from litestar import Controller, Request, post
from pydantic import ValidationError

from backend.deps import CtxDep
from backend.lib.errors import ZanError
from bots.citizen import runtime
from bots.webhook import SecretHeader, check_secret, take

BOT_NAME = runtime.BOT_NAME


class CitizenWebhookController(Controller):
    path = "/api/v1/telegram/citizen"
    tags = ["telegram"]
    include_in_schema = False

    @post("/webhook", status_code=200)
    async def webhook(self, ctx: CtxDep, request: Request[Any, Any, Any],
                      secret: SecretHeader = None) -> dict[str, bool]:
        check_secret(ctx, secret)
        bot = runtime.get(ctx)
        if bot is None:
            raise ZanError("not_found", 404)
        try:
            update = Update.model_validate_json(await request.body(), context={"bot": bot.bot})
        except ValidationError as exc:
            raise ZanError("validation.body_malformed", 400) from exc
        await take(ctx, BOT_NAME, update.update_id, lambda: bot.dispatcher.feed_update(bot.bot, update))
        return {"ok": True}
