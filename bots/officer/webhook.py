"""POST /api/v1/telegram/officer/webhook — Telegram delivers the duty bot's updates here in webhook mode.

Answered at once, handled in the background by the same python-telegram-bot Application as in polling mode; secret
and de-duplication as in `bots.webhook`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from telegram import Update

from backend.deps import CtxDep
from backend.lib.errors import ZanError
from bots.officer.app import BOT_NAME, get_application
from bots.webhook import SecretHeader, check_secret, take


class OfficerWebhookController(Controller):
    path = "/api/v1/telegram/officer"
    tags = ["telegram"]
    include_in_schema = False

    @post("/webhook", status_code=200)
    async def webhook(self, ctx: CtxDep, request: Request[Any, Any, Any],
                      secret: SecretHeader = None) -> dict[str, bool]:
        check_secret(ctx, secret)
        application = await get_application(ctx)
        if application is None:
            raise ZanError("not_found", 404)
        try:
            payload = msgspec.json.decode(await request.body())
        except (msgspec.DecodeError, RecursionError) as exc:  # too deep a nesting is not a DecodeError
            raise ZanError("validation.body_malformed", 400) from exc
        # PTB's de_json trusts its input: the id that de-duplication keys on is checked here
        if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
            raise ZanError("validation.body_malformed", 400)
        try:
            update = Update.de_json(payload, application.bot)
        # RecursionError: de_json recurses into nested messages (reply_to_message, ...) of a decodable but deep body
        except (TypeError, ValueError, KeyError, RecursionError) as exc:
            raise ZanError("validation.body_malformed", 400) from exc
        await take(ctx, BOT_NAME, update.update_id, lambda: application.process_update(update))
        return {"ok": True}
