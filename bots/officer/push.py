"""Offering an urgent report to the officers on duty in its district, with inline Accept / Decline.

`push_urgent_report(ctx, report)` is called by routing when a report is urgent; it returns how many chats got it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from backend.context import Context
from backend.jobs.registry import RetryLater
from backend.jobs.relay import notify
from backend.jobs.service import enqueue
from backend.lib.clock import utcnow
from backend.notifications.templates import district_name
from backend.reports.models import Report
from backend.reports.service import is_restricted
from bots.chats import flood_wait_s, refusal_reason
from bots.officer import service
from bots.officer.texts import t
from ml.pii import mask_pii
from ml.taxonomy import load_taxonomy

log = logging.getLogger("zan.bots.officer")
EXTRAS_KEY = "officer_bot_client"
EXCERPT = 300


def make_bot(token: str, api_base: str | None) -> Bot:
    """A Bot API client; `api_base` points it at a local Bot API server (or the test fake) instead of Telegram."""
    return Bot(token, base_url=f"{api_base}/bot", base_file_url=f"{api_base}/file/bot") if api_base else Bot(token)


async def client(ctx: Context) -> Bot | None:
    """The officer bot's Bot API client for this process (None without a token), shut down with the Context."""
    bot: Bot | None = ctx.extras.get(EXTRAS_KEY)
    token = ctx.settings.telegram_officer_token
    if bot is None and token:
        bot = make_bot(token, ctx.settings.telegram_api_base)
        try:
            await bot.initialize()  # getMe: fails while Telegram is unreachable, and the caller's task is retried
        except BaseException:
            await bot.shutdown()  # its HTTP pools were opened before getMe failed; a retry makes a new client
            raise
        ctx.extras[EXTRAS_KEY] = bot
        ctx.extras.setdefault("_closers", []).append(bot.shutdown)
    return bot


def category_name(report: Report, lang: str) -> str:
    """The report's category in `lang`, or a dash."""
    taxonomy = load_taxonomy()
    if report.category and taxonomy.has_category(report.category):
        return taxonomy.category(report.category).names.get(lang) or t("none", lang)
    return t("none", lang)


def offer_text(report: Report, lang: str) -> str:
    """The urgent offer as the chat shows it. A restricted category (domestic violence, children, a complaint about
    the police) shows neither its name, nor its exact place, nor its text, as the escalation and the report's card
    (bots.officer.cards) do: the offer shows on a phone's lock screen and in the chat list. The district stays, so
    the officer knows whether to go; the tablet has the rest."""
    district = district_name(report.district, lang) or t("none", lang)
    if is_restricted(report):
        return t("urgent_restricted", lang, number=report.number, category=t("restricted_text", lang),
                 district=district)
    return t("urgent", lang, number=report.number, category=category_name(report, lang), district=district,
             lat=report.lat, lon=report.lon, text=excerpt(report.text))


def excerpt(text: str) -> str:
    """The report's text as a Telegram chat may hold it: personal data masked as officers see it everywhere else
    (ml.pii, as the tablet's and the console's field views do), then cut to EXCERPT characters at a word.

    Masked before it is cut: an IIN or a phone number cut in two at the limit is no longer recognised, and its
    first digits would stay in the chat."""
    masked = mask_pii(text)
    return masked if len(masked) <= EXCERPT else masked[:EXCERPT].rsplit(" ", 1)[0] + " …"


def offer_keyboard(report: Report, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_accept", lang), callback_data=f"accept:{report.id}"),
        InlineKeyboardButton(t("btn_decline", lang), callback_data=f"decline:{report.id}"),
    ]])


async def push_urgent_report(ctx: Context, report: Report) -> int:
    """Send the offer to every linked officer of the district on shift; returns how many received it.

    A chat Telegram could not be reached for (a timeout, a Bot API 5xx) gets its own outbox task, retried with
    backoff, so the others are not offered twice. Telegram's flood control (429) stops the round: that chat and
    every one not yet offered get their own task, due after the Retry-After (flood control is per bot, so sending
    on would only be refused). Retrying the whole offer instead would offer it a second time to every chat before
    the one that hit the limit, in the very burst that made Telegram throttle."""
    bot = await client(ctx)
    if bot is None:
        return 0
    async with ctx.sessions() as session:
        chats = await service.duty_chats(session, report)
    sent, unreached, run_at = 0, [], None
    for i, (chat_id, lang) in enumerate(chats):
        try:
            sent += await _send_offer(ctx, bot, report, chat_id, lang)
        except RetryLater as exc:
            log.warning("urgent offer hit Telegram's flood control; %d chats retried on their own", len(chats) - i)
            unreached += [chat for chat, _ in chats[i:]]
            run_at = utcnow() + timedelta(seconds=exc.after_s)
            break
        except NetworkError as exc:
            log.warning("urgent offer not delivered, retried on its own: %s", exc.message)
            unreached.append(chat_id)
    if unreached:
        async with ctx.sessions() as session:
            for chat_id in unreached:
                await enqueue(session, "reports.offer_urgent_chat", {"report_id": str(report.id), "chat_id": chat_id},
                              dedupe_key=f"offer-urgent:{report.id}:{chat_id}", run_at=run_at)
            await session.commit()
        notify(ctx)
    return sent


async def offer_to_chat(ctx: Context, report: Report, chat_id: int) -> bool:
    """A retried offer to one chat, if its officer is still on duty for the report. A network failure raises, so
    the outbox tries again with backoff."""
    bot = await client(ctx)
    if bot is None:
        return False
    async with ctx.sessions() as session:
        lang = dict(await service.duty_chats(session, report)).get(chat_id)
    return lang is not None and bool(await _send_offer(ctx, bot, report, chat_id, lang))


async def _send_offer(ctx: Context, bot: Bot, report: Report, chat_id: int, lang: str) -> int:
    """The urgent offer to one chat: 1 if sent, else 0 or raised, as `send` says."""
    return int(await send(ctx, bot, chat_id, offer_text(report, lang), offer_keyboard(report, lang)))


async def send(ctx: Context, bot: Bot, chat_id: int, text: str,
               reply_markup: InlineKeyboardMarkup | None = None) -> bool:
    """One duty bot message. True if sent, False if the chat cannot take it for good (blocked the bot, account
    deleted, chat gone: marked, so later offers and escalations skip it until it writes again) or Telegram refused
    the message itself. Telegram's network and server failures raise (NetworkError), its flood control as
    RetryLater."""
    try:
        await bot.send_message(chat_id, text, reply_markup=reply_markup)
        return True
    except RetryAfter as exc:
        raise RetryLater("telegram flood control", flood_wait_s(exc) or 0.0) from exc
    except Forbidden as exc:
        await service.mark_blocked(ctx, chat_id=chat_id, reason=refusal_reason(403, exc.message) or "blocked")
    except TelegramError as exc:
        # a timeout or a Bot API 5xx passes: raised, it is retried. A bad request (chat not found) would fail the
        # same way again; PTB makes BadRequest a NetworkError, so it is told apart here
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            raise
        reason = refusal_reason(400, exc.message) if isinstance(exc, BadRequest) else None
        if reason is not None:
            await service.mark_blocked(ctx, chat_id=chat_id, reason=reason)
        else:
            log.warning("duty bot message not delivered: %s", exc.message)
    return False
