"""Pushing a report's status change into the citizen's Telegram chat.

`notify_report_event(ctx, report, event)` is called by the notifications fan-out for every public event of a
report whose citizen has a linked chat. It says only the number and the plain-language state (plus the event's
public text): never the report's own text, which may name the person it is about.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter

from backend.context import Context
from backend.jobs.registry import RetryLater
from backend.lib.i18n import pick
from backend.reports.models import Report, ReportEvent
from backend.reports.views import citizen_status
from bots.chats import is_private_chat
from bots.citizen import runtime, service
from bots.citizen.texts import t

log = logging.getLogger("zan.bots.citizen")


def status_message(report: Report, event: ReportEvent, lang: str) -> str:
    _, names = citizen_status(report.status)
    text = t("status_changed", lang, number=report.number, status=pick(names, lang))
    public = pick(event.public_text, lang) if event.public_text else ""
    return f"{text}\n{public}" if public else text


async def notify_report_event(ctx: Context, report: Report, event: ReportEvent) -> bool:
    """Send the event to the citizen's chat. True if sent; False if there is no bot, no chat, or the user blocked
    the bot (remembered: no further pushes until they write again). Telegram's 429 → RetryLater(retry_after)."""
    if not event.public:
        return False
    bot = runtime.get(ctx)
    if bot is None:
        return False
    async with ctx.sessions() as session:
        link = await service.link_of_citizen(session, report.citizen_id)
    if link is None or link.blocked_at is not None or not is_private_chat(link.chat_id):
        return False
    try:
        await bot.bot.send_message(link.chat_id, status_message(report, event, link.language))
    except TelegramRetryAfter as exc:
        raise RetryLater("telegram flood control", float(exc.retry_after)) from exc
    except TelegramForbiddenError:
        await service.mark_blocked(ctx, link.chat_id)
        return False
    except TelegramBadRequest as exc:  # chat not found / deactivated: nothing a retry would fix
        log.warning("telegram refused a status push: %s", exc.message)
        return False
    return True
