"""Pushing a report's status change into the citizen's Telegram chat.

`notify_report_event(ctx, report, event)` is called by the notifications fan-out for every public event of a
report whose citizen has a linked chat. It says only the number and the plain-language state (plus the event's
public text): never the report's own text, which may name the person it is about.

A restricted report (domestic violence, children, complaints about the police), or one whose category is not known
yet (routing has not run, abstained or failed), gets a neutral message with a "Show" button instead, as the app gets a
data-only push (backend.notifications.fanout.discreet_for_citizen): a chat's last message shows on the lock screen and
in the chat list, where the person the citizen reports may read it. Tapping the button
(`update_text`, from follow_up.show_update) puts the number, the state and the public text in its place.

An event that is old news by the time it is sent (the report withdrawn since, or staff's question ended since: the
push's rule, backend.notifications.pushes.old_news_to_citizen) is not sent at all.

Staff's request for information (the report awaits its citizen: "needs your input"), and staff's message to the
reporter on an open report (a public `comment` event: "Message from the police: …"), come with a "Reply" button
(bots.citizen.reply_flow), under the question itself or, for a discreet message, once "Show" revealed it. Below it,
the steps /reports offers under the report in its state when the message is sent (bots.citizen.own_steps: Withdraw
under an open report, Appeal and the stars under a closed one the citizen did not withdraw), with own_steps' checks: a
button of a report reopened since is refused as out of date, a step the report's state no longer allows in the API's
words.
"""

from __future__ import annotations

import logging
import uuid

from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup

from backend.context import Context
from backend.jobs.registry import RetryLater
from backend.lib.i18n import pick
from backend.notifications.fanout import discreet_for_citizen
from backend.notifications.pushes import old_news_to_citizen
from backend.reports.models import Report, ReportEvent
from backend.reports.views import citizen_status
from backend.reports.workflow import Action, Status
from bots.chats import fit, flood_wait_s, is_private_chat, refusal_reason
from bots.citizen import own_steps, runtime, service
from bots.citizen.reply_flow import reply_button
from bots.citizen.texts import t

log = logging.getLogger("zan.bots.citizen")
SHOW_UPDATE = "update:"  # callback data prefix of the "Show" button, followed by the event's id


def status_message(report: Report, event: ReportEvent, lang: str) -> str:
    # the status this event left the report in, as the app's push and the timeline say it: the message goes out
    # after the event, often after later steps too (a queue behind, Telegram's rate limit), and "assigned" must
    # not arrive saying "closed"
    _, names = citizen_status(event.to_status or report.status)
    text = t("status_changed", lang, number=report.number, status=pick(names, lang))
    public = pick(event.public_text, lang) if event.public_text else ""
    return fit(f"{text}\n{public}" if public else text)  # a staff message may run to 5,000 characters


def discreet_message(event: ReportEvent, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """A restricted or uncategorised report's update: no number, no state, no public text (the app's discreet push
    shows none of them either), and a button that shows them when the citizen chooses to read them."""
    button = InlineKeyboardButton(text=t("btn_show_update", lang), callback_data=f"{SHOW_UPDATE}{event.id}")
    return t("update_discreet", lang), InlineKeyboardMarkup(inline_keyboard=[[button]])


def _asks_an_answer(report: Report, event: ReportEvent) -> bool:
    """Staff's question while the report still awaits the answer, or staff's message while the report is open (the
    citizen may comment on an open report: a message often asks something too)."""
    if event.action == Action.REQUEST_INFO:
        return report.status == Status.AWAITING_REPORTER
    return event.action == "comment" and event.actor_type != "citizen" and report.status != Status.CLOSED


async def report_markup(ctx: Context, report: Report, event: ReportEvent, lang: str) -> InlineKeyboardMarkup | None:
    """"Reply" under staff's question or message (`_asks_an_answer`), then the buttons /reports shows under the
    report (`report` as it is now, not as the event left it: the steps are taken on the report as it is, and each
    carries its reopen count), if the bot filed the report (the comments API and the citizen's steps take a report
    only through the app it came from)."""
    if report.partner_id != await service.bot_partner_id(ctx):
        return None
    rows = [[reply_button(report.id, lang)]] if _asks_an_answer(report, event) else []
    rows.extend(own_steps.buttons(report, lang))
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def update_view(ctx: Context, event_id: str, citizen_id: uuid.UUID,
                      lang: str) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """What a discreet message's "Show" button reveals: the event as `status_message` says it (the report as it is
    now once the event is old news: `_as_now`), with "Reply" under a standing question, or None when the event is
    gone, not public, or not about a report of `citizen_id` (the button's data comes from the client)."""
    try:
        key = uuid.UUID(event_id)
    except ValueError:
        return None
    async with ctx.sessions() as session:
        event = await session.get(ReportEvent, key)
        if event is None or not event.public:
            return None
        report = await session.get(Report, event.report_id)
        if report is None or report.citizen_id != citizen_id:
            return None
    if await old_news_to_citizen(ctx, {event.id}):
        # tapped after the question ended (answered, or withdrawn by a step that said no answer is needed) or the
        # report was withdrawn: the event's own state ("needs your input") and question would ask for what no one
        # waits for any more. The report as it is now, said so, is what the citizen chose to read
        return _as_now(report, event, lang), await report_markup(ctx, report, event, lang)
    return status_message(report, event, lang), await report_markup(ctx, report, event, lang)


def _as_now(report: Report, event: ReportEvent, lang: str) -> str:
    """An event that is old news as "Show" reveals it: the report's state now; staff's question not quoted, said to
    need no answer; any other event's public text kept (a message from the police is still what it said)."""
    _, names = citizen_status(report.status)
    text = t("status_changed", lang, number=report.number, status=pick(names, lang))
    if event.action == Action.REQUEST_INFO:
        return f"{text}\n{t('update_question_ended', lang)}"
    public = pick(event.public_text, lang) if event.public_text else ""
    return fit(f"{text}\n{public}" if public else text)


async def update_text(ctx: Context, event_id: str, citizen_id: uuid.UUID, lang: str) -> str | None:
    """`update_view`'s text."""
    view = await update_view(ctx, event_id, citizen_id, lang)
    return view[0] if view is not None else None


async def notify_report_event(ctx: Context, report: Report, event: ReportEvent) -> bool:
    """Send the event to the citizen's chat. True if sent; False if there is no bot, no chat, or Telegram refuses the
    chat for good: the user blocked the bot, deleted the account, the chat is gone (remembered: no further pushes
    until they write again). Telegram's 429 → RetryLater(retry_after)."""
    if not event.public:
        return False
    bot = runtime.get(ctx)
    if bot is None:
        return False
    # told late (a queue behind, Telegram's flood control): after the citizen took the report back, or, for staff's
    # question, after it ended (answered, or withdrawn by a step whose own message said no answer is needed): "needs
    # your input", with or without Reply, would ask again for what no one waits for. The push's rule, shared
    if await old_news_to_citizen(ctx, {event.id}):
        return False
    async with ctx.sessions() as session:
        link = await service.link_of_citizen(session, report.citizen_id)
    if link is None or link.blocked_at is not None or not is_private_chat(link.chat_id):
        return False
    try:
        if discreet_for_citizen(report):
            text, markup = discreet_message(event, link.language)
            await bot.bot.send_message(link.chat_id, text, reply_markup=markup)
        else:
            await bot.bot.send_message(link.chat_id, status_message(report, event, link.language),
                                       reply_markup=await report_markup(ctx, report, event, link.language))
    except TelegramRetryAfter as exc:
        raise RetryLater("telegram flood control", flood_wait_s(exc) or 0.0) from exc
    except TelegramForbiddenError as exc:  # blocked the bot, account deleted
        await service.mark_blocked(ctx, link.chat_id, refusal_reason(403, exc.message) or "blocked")
        return False
    except TelegramBadRequest as exc:  # nothing a retry would fix; "chat not found" would refuse every later push
        reason = refusal_reason(400, exc.message)
        if reason is not None:
            await service.mark_blocked(ctx, link.chat_id, reason)
        else:
            log.warning("telegram refused a status push: %s", exc.message)
        return False
    return True


async def membership_changed(update: ChatMemberUpdated, ctx: Context) -> None:
    """Telegram's note that the user blocked the bot (status "kicked") marks the chat at once, before a push is
    tried on it; an unblock clears the mark (as any message from the chat does, middlewares.LanguageMiddleware)."""
    if update.chat.type != ChatType.PRIVATE:
        return
    if update.new_chat_member.status == ChatMemberStatus.KICKED:
        await service.mark_blocked(ctx, update.chat.id, "blocked")
    else:
        await service.chat_user(ctx, update.chat.id)
