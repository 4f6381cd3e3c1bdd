"""SLA escalations (backend.dispatch.jobs) told in the duty bot, beside the push, to the supervisors who may read
the report (its region's and national ones).

Supervisors often have Telegram open rather than the tablet. The audience is the push's own
(`backend.notifications.jobs.escalation_audience`), narrowed to those who linked the bot, each in their language.

Two outbox tasks, the urgent offer's per-chat pattern (`reports.offer_urgent_chat`) applied to every chat:
- `officer_bot.escalation` {escalation_id}: one per escalation, enqueued with `notifications.escalation` in the
  transaction that creates it. It sends nothing: it writes one `officer_bot.escalation_chat` task per linked
  supervisor, each under a dedupe key naming (escalation, chat), so a retried or repeated run adds no task and
  messages no chat a second time. It needs no Telegram, so an outage cannot fail it.
- `officer_bot.escalation_chat` {escalation_id, chat_id}: one message to one chat. A timeout, an unreachable Bot API
  or a 5xx raises and the outbox retries this chat alone with backoff; flood control (429) waits its Retry-After; a
  blocked bot (403) or a bad request (400) would fail the same way again and ends the task. A chat refused for good
  (blocked, account deleted, chat not found) is marked (bots.officer.service.mark_blocked) and left out of the
  fan-out until it writes to the bot again. Like any send, a worker
  dying between Telegram's answer and settling the task sends that one chat the message again.

Without a bot token both tasks do nothing: the escalation row and its push do not depend on them.

What the message says comes from the push's own texts (backend.notifications.templates: the kind and its term), so
the phone and the chat never tell a supervisor two different things. Under it an "Open report" button shows the
report's card in the chat (bots.officer.cards), checked against the officer the chat is linked to when tapped.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.context import Context
from backend.dispatch.models import Escalation
from backend.dispatch.service import is_still_due
from backend.jobs.registry import PermanentError, task
from backend.jobs.relay import notify
from backend.jobs.service import enqueue
from backend.notifications.jobs import escalation_audience, escalation_term
from backend.notifications.templates import ESCALATION_KINDS, district_name, escalation_lines
from backend.officers.models import Officer
from backend.reports.models import Report
from backend.reports.service import is_restricted
from backend.reports.workflow import Status
from bots.chats import is_private_chat
from bots.officer.cards import open_keyboard
from bots.officer.push import category_name, client, send
from bots.officer.service import chat_is_blocked
from bots.officer.texts import t

log = logging.getLogger("zan.bots.officer")
TASK = "officer_bot.escalation"
CHAT_TASK = "officer_bot.escalation_chat"
# the outbox's backoff starts at 2 s and doubles (jittered): twelve attempts ride out up to about an hour of Telegram
# being away; past that the supervisor has had the push and the console's list
CHAT_ATTEMPTS = 12


def chat_key(escalation_id: uuid.UUID, chat_id: int) -> str:
    """One message per escalation and chat: the key keeps a second run of the fan-out from queueing it again."""
    return f"duty-bot-escalation:{escalation_id}:{chat_id}"


async def supervisor_chats(session: AsyncSession, report: Report) -> list[tuple[int, str]]:
    """(chat id, language) of the officers an escalation of `report` is pushed to who linked the duty bot."""
    rows = await session.execute(
        select(col(Officer.telegram_chat_id), col(Officer.language))
        .where(escalation_audience(report), col(Officer.telegram_chat_id).is_not(None), ~chat_is_blocked())
        .order_by(col(Officer.telegram_chat_id)))
    # a group linked before the private-chat rule would show the report to all its members
    return [(int(chat_id), str(language)) for chat_id, language in rows
            if chat_id is not None and is_private_chat(int(chat_id))]


async def _open_escalation(session: AsyncSession, escalation_id: uuid.UUID) -> tuple[Escalation, Report] | None:
    """The escalation and its report, unless the report was closed or the escalation settled since (nothing left to
    escalate: the supervisors' list hides it too)."""
    esc = await session.get(Escalation, escalation_id)
    report = await session.get(Report, esc.report_id) if esc is not None else None
    if esc is None or report is None or report.status == Status.CLOSED.value:
        return None
    if esc.kind not in ESCALATION_KINDS:
        raise PermanentError(f"no duty bot text for escalation kind {esc.kind!r}")
    # settled since (the crew accepted, a unit took it, the term was extended): the console's list rule. A message
    # waits for Telegram (retries for about an hour, Retry-After), and "not accepted" told after the Accept sends a
    # supervisor after a crew that is on its way
    return (esc, report) if await is_still_due(session, esc, report) else None


async def escalation_text(session: AsyncSession, esc: Escalation, report: Report, lang: str) -> str:
    term, at = await escalation_term(session, esc, report)
    what, when = escalation_lines(esc.kind, term, at, lang)
    # a restricted category (domestic violence, children, a complaint about the police) is not named on a lock
    # screen: the urgent offer's discreet wording stands in for it. No report text is ever shown here.
    category = t("restricted_text", lang) if is_restricted(report) else category_name(report, lang)
    return t("escalation", lang, number=report.number, kind=what, category=category,
             district=district_name(report.district, lang) or t("none", lang), term=when)


def _payload_id(payload: dict[str, Any]) -> uuid.UUID:
    try:
        return uuid.UUID(str(payload["escalation_id"]))
    except (KeyError, ValueError) as exc:
        raise PermanentError(f"bad payload: {exc}") from exc


@task(TASK)
async def escalation(ctx: Context, payload: dict[str, Any]) -> None:
    """One message task per linked supervisor who may read the report (see the module's docstring)."""
    if not ctx.settings.telegram_officer_token:
        return  # no duty bot here: the push is how supervisors hear of it
    escalation_id = _payload_id(payload)
    async with ctx.sessions() as session:
        found = await _open_escalation(session, escalation_id)
        chats = await supervisor_chats(session, found[1]) if found is not None else []
        for chat_id, _ in chats:
            await enqueue(session, CHAT_TASK, {"escalation_id": str(escalation_id), "chat_id": chat_id},
                          dedupe_key=chat_key(escalation_id, chat_id), max_attempts=CHAT_ATTEMPTS)
        await session.commit()
    if chats:
        notify(ctx)


@task(CHAT_TASK)
async def escalation_chat(ctx: Context, payload: dict[str, Any]) -> None:
    """The escalation's message to one supervisor's chat; Telegram's transient failures raise, so it is retried."""
    if not ctx.settings.telegram_officer_token:
        return
    escalation_id = _payload_id(payload)
    try:
        chat_id = int(payload["chat_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentError(f"bad payload: {exc}") from exc
    async with ctx.sessions() as session:
        found = await _open_escalation(session, escalation_id)
        if found is None:
            return
        esc, report = found
        # asked again when sending, in their language of now: since the fan-out the chat may have been unlinked or
        # handed to a colleague, or its officer moved to another district or role
        language = dict(await supervisor_chats(session, report)).get(chat_id)
        if language is None:
            return
        text = await escalation_text(session, esc, report, language)
    bot = await client(ctx)  # getMe on first use: raises while Telegram is unreachable
    if bot is not None and not await send(ctx, bot, chat_id, text, open_keyboard(report, language)):
        log.info("escalation %s not delivered to a supervisor's chat for good", escalation_id)
