"""The officer duty bot (python-telegram-bot): /start, /link CODE, /status, /shift, /lang, Accept / Decline buttons
on an urgent offer and "Open report" on an escalation. It speaks the officer's language (kk / ru / en): their
Telegram app's when they first link (linking again keeps it), or their /lang choice.

Runs as its own process (`zan bot officer`, long polling) or, in webhook mode, inside the API (`bots.officer.webhook`).
Handlers only translate between Telegram and `bots.officer.service`; the Context is kept in
`application.bot_data["ctx"]`.

Concurrency: in polling mode updates of different chats run side by side, each chat's in order
(`bots.officer.chat_order`); in webhook mode every update runs as it comes. That is safe because the bot keeps no
state of its own per chat (no chat_data, no conversation): it is all in the database, under the database's locks (a
double /shift opens one shift, see `backend.officers.field.start_shift`). Duplicates: an update is handled once by
its update_id (`bots.once`; the webhook claims it in `bots.webhook.take`, polling in `ChatOrder`): a re-fetched
/shift would otherwise toggle the shift back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
    filters,
)

from backend.context import Context
from backend.lib.i18n import LANGS, negotiate, pick
from backend.officers import ratelimit
from bots.officer import cards, service
from bots.officer.chat_order import ChatOrder
from bots.officer.texts import LANGUAGE_NAMES, UNIT_STATUS_NAMES, t
from bots.once import handling_failed
from bots.webhook import drain

App = Application[Any, Any, Any, Any, Any, Any]
log = logging.getLogger("zan.bots.officer")
BOT_NAME = "officer"  # of the update de-duplication keys, polled or delivered to the webhook


def _ctx(context: ContextTypes.DEFAULT_TYPE) -> Context:
    ctx: Context = context.application.bot_data["ctx"]
    return ctx


def _app_language(update: Update) -> str:
    user = update.effective_user
    return negotiate(user.language_code if user is not None else None)


async def _lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The linked officer's chosen language; before linking, the Telegram app's."""
    chat = update.effective_chat
    stored = await service.chat_language(_ctx(context), chat_id=chat.id) if chat is not None else None
    return stored or _app_language(update)


async def answer_tap(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answer a tapped button (stops its spinner). Telegram refuses the answer of a tap it no longer waits for ("query
    is too old": one fetched after the bot was away, or handled again after a failure); that refusal must not cost
    the officer what follows it: an Accept already committed would go unconfirmed, its buttons left in place."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as exc:
        log.info("a button's answer was refused: %s", exc.message)


async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler. The bot serves private chats only: linked in a group, every member would read
    urgent offers (number, text, place) and could accept them, or go on shift, in the officer's name."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    lang = _app_language(update)
    if update.callback_query is not None:
        await answer_tap(update.callback_query, t("private_only", lang), show_alert=True)
    elif update.effective_message is not None and (update.effective_message.text or "").startswith("/"):
        shown = await _void_shown_codes(context, update.effective_message.text or "")
        await context.bot.send_message(chat.id, t("link_code_shown" if shown else "private_only", lang))
    raise ApplicationHandlerStop


async def _void_shown_codes(context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """`/link CODE` (or the deep link's `/start CODE`) sent in a group: every member has read the code, and any of
    them could send it to the bot in private and be linked as the officer. It is spent, linking nothing; True if the
    command carried a code (the answer is the same whether it was a valid one)."""
    command, *args = text.split()
    name, _, addressee = command.partition("@")
    # one code, and only in a command for this bot: a message listing numbers is no code shown, and each voiding
    # is a write a group member could otherwise repeat at will
    if name not in ("/link", "/start") or (addressee and addressee != context.bot.username) or not args:
        return False
    if not args[0].isdigit():
        return False
    await service.void_link_code(_ctx(context), code=args[0])
    return True


async def update_failed(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The error handler: PTB hands it what a handler raised and goes no further, so the update's claim is told
    here (released, not confirmed: its next delivery is handled).

    The officer is told too when the backend failed (the database away). A next delivery rarely comes (a webhook
    was answered 200 already, polling has moved past the update): without a word an Accept the database refused
    left the offer's buttons in place and the officer believing the crew had the job, a /shift the shift unchanged.
    Not when Telegram failed: the action may be done and only its answer lost (a later delivery gives it), and an
    apology would have to go through the same Telegram."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("officer bot update %s failed", update_id, exc_info=context.error)
    handling_failed()
    if not isinstance(update, Update) or (update.message is None and update.callback_query is None):
        return  # an edit, a block or unblock: nothing the officer did waits for an answer
    if isinstance(context.error, TelegramError):
        return
    chat = update.effective_chat
    if update.callback_query is not None:
        await answer_tap(update.callback_query)  # stops the spinner (refused if the handler answered it already)
    if chat is None or chat.type != ChatType.PRIVATE:
        return  # never in a group (private_only)
    try:
        lang = await _lang(update, context)
    except Exception:  # the failure being told may be the database itself: the apology must not depend on it
        lang = _app_language(update)
    try:
        await context.bot.send_message(chat.id, t("bot_unavailable", lang))
    except TelegramError as exc:  # Telegram away too: nothing more to do than the log above
        log.warning("officer bot update %s: its failure was not told: %s", update_id, exc.message)
    # PTB would go on to the next handler group: a failed chat_is_back (group -2) would run the Accept after it,
    # and the officer, told once to try again, would be told twice or hear "accepted" below the apology
    raise ApplicationHandlerStop


async def chat_is_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler. A chat marked as refusing the bot (bots.officer.service.mark_blocked) that writes,
    taps a button or unblocks the bot takes messages again; Telegram's note that the user blocked it (my_chat_member
    "kicked") marks it at once, before an offer is tried on it."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status == ChatMemberStatus.BANNED:
        await service.mark_blocked(_ctx(context), chat_id=chat.id, reason="blocked")
    else:
        await service.chat_is_back(_ctx(context), chat_id=chat.id)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is None or update.effective_chat is None:
        return
    if context.args:  # deep link t.me/bot?start=CODE
        await _link(update, context, context.args[0])
        return
    await update.effective_message.reply_text(t("start", await _lang(update, context)))


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is None:
        return
    await _link(update, context, context.args[0] if context.args else "")


async def _link(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    assert update.effective_message is not None and update.effective_chat is not None
    ctx, chat = _ctx(context), str(update.effective_chat.id)
    wait = await ratelimit.reserve(ctx, link_chat=chat)
    officer = None if wait is not None or not code.isdigit() else await service.redeem_link_code(
        ctx, code=code, chat_id=update.effective_chat.id, language=_app_language(update))
    with contextlib.suppress(Exception):  # the code is spent either way; hide it from the chat history
        await update.effective_message.delete()
    if wait is not None:
        await context.bot.send_message(update.effective_chat.id, t("link_throttled", await _lang(update, context),
                                                                   minutes=max(1, wait // 60)))
        return
    if officer is None:
        await context.bot.send_message(update.effective_chat.id, t("link_failed", await _lang(update, context)))
        return
    await ratelimit.release(ctx, link_chat=chat)
    await context.bot.send_message(update.effective_chat.id, t("linked", officer.language, name=officer.full_name))


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is None or update.effective_chat is None:
        return
    lang = await _lang(update, context)
    found = await service.status(_ctx(context), chat_id=update.effective_chat.id)
    if found is None:
        await update.effective_message.reply_text(t("not_linked", lang))
        return
    await update.effective_message.reply_text(t(
        "status", lang, name=found.name, unit=found.unit_code or t("none", lang),
        unit_status=pick(UNIT_STATUS_NAMES.get(found.unit_status, {"ru": found.unit_status}), lang)
        if found.unit_status else t("none", lang),
        shift=t("shift_on" if found.on_shift else "shift_off", lang), open=found.open_reports))


async def shift(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is None or update.effective_chat is None:
        return
    lang = await _lang(update, context)  # read first: failing after the toggle, "try again" would toggle it back
    on = await service.toggle_shift(_ctx(context), chat_id=update.effective_chat.id)
    key = "not_linked" if on is None else ("shift_started" if on else "shift_ended")
    await update.effective_message.reply_text(t(key, lang))


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang kk|ru|en sets it at once; /lang alone offers the three as buttons."""
    if update.effective_message is None or update.effective_chat is None:
        return
    raw = context.args[0].lower() if context.args else ""
    choice = negotiate(raw) if raw in (*LANGS, "kz") else None
    if choice is None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(name, callback_data=f"olang:{code}")
                                          for code, name in LANGUAGE_NAMES.items()]])
        await update.effective_message.reply_text(t("choose_language", await _lang(update, context)),
                                                  reply_markup=keyboard)
        return
    await service.set_language(_ctx(context), chat_id=update.effective_chat.id, language=choice)
    await update.effective_message.reply_text(t("language_set", choice))


async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or update.effective_chat is None:
        return
    choice = negotiate(query.data.partition(":")[2])
    await service.set_language(_ctx(context), chat_id=update.effective_chat.id, language=choice)
    await answer_tap(query)
    said = t("language_set", choice)
    await _edited(query, context, update.effective_chat.id, said, said)  # the choices make way for the choice


async def offer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or update.effective_chat is None:
        return
    action, _, raw_id = query.data.partition(":")
    try:
        report_id = uuid.UUID(raw_id)
    except ValueError:
        await answer_tap(query)
        return
    ctx, chat_id = _ctx(context), update.effective_chat.id
    lang = await _lang(update, context)
    if action == "accept":
        answer = await service.accept(ctx, chat_id=chat_id, report_id=report_id)
    else:
        answer = await service.decline(ctx, chat_id=chat_id, report_id=report_id)
    text = t(answer.outcome.value, lang, number=answer.number, unit=answer.unit_code)
    await answer_tap(query)
    if answer.outcome in (service.Outcome.ACCEPTED, service.Outcome.DECLINED, service.Outcome.TAKEN,
                          service.Outcome.CLOSED):
        await _below(query, context, chat_id, text)  # the buttons go away: the offer is settled for this officer
    else:
        await context.bot.send_message(chat_id, text)


async def open_report_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Open report" under an escalation (bots.officer.cards): the report's card, for the officer the chat is linked
    to now. As the citizen bot's "Show": answered at once, then the message itself gains the card (edited in place,
    not sent anew, so the officer's other devices do not ring again); a refusal is a message of its own."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_chat is None:
        return
    await answer_tap(query)
    lang = await _lang(update, context)
    chat_id = update.effective_chat.id
    opened = await cards.opened_report(_ctx(context), chat_id=chat_id, data=query.data)
    if opened is None or opened.report is None:
        refused = opened.refused if opened is not None and opened.refused else service.Outcome.NOT_YOURS
        await context.bot.send_message(chat_id, t(refused, lang))
        return
    await _below(query, context, chat_id, cards.card_text(opened.report, opened.unit_code, lang))


async def _below(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    """`text` added under the tapped message, its buttons gone (edited in place, so the officer's other devices do
    not ring again). A message Telegram no longer lets the bot edit (older than 48 h, deleted by the officer) gets
    `text` in a new one: an Accept already committed must still be confirmed."""
    original = query.message.text if query.message is not None and hasattr(query.message, "text") else ""
    await _edited(query, context, chat_id, f"{original}\n\n{text}" if original else text, text)


async def _edited(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str,
                  sent: str) -> None:
    """The tapped message edited to `text`, its buttons gone; one Telegram no longer lets the bot edit (older than
    48 h, deleted by the officer) gets `sent` in a new one: what the tap did (an Accept committed, a language set)
    must still be said."""
    try:
        await query.edit_message_text(text)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():  # a second tap or a re-delivered update: the text is there
            return
        await context.bot.send_message(chat_id, sent)


def build_application(ctx: Context, token: str | None = None, *, polling: bool = False) -> App:
    """The PTB Application with every handler; `ctx` goes into bot_data. `polling`: it will poll getUpdates, with
    its updates handled per chat and once (`ChatOrder`; the webhook claims its own)."""
    token = token or ctx.settings.telegram_officer_token
    if not token:
        raise RuntimeError("ZAN_TELEGRAM_OFFICER_TOKEN is not set")
    builder = Application.builder().token(token)
    base = ctx.settings.telegram_api_base
    if base:
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if polling:
        builder = builder.concurrent_updates(ChatOrder(ctx, BOT_NAME))
    application: App = builder.build()
    application.bot_data["ctx"] = ctx
    application.add_error_handler(update_failed)
    application.add_handler(TypeHandler(Update, chat_is_back), group=-2)
    application.add_handler(TypeHandler(Update, private_only), group=-1)
    # new messages only: PTB's CommandHandler also takes an edited one, and polling gets edits, so an officer
    # correcting an old "/shift" would toggle the shift again (the webhook is not sent edits at all)
    sent = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", start, filters=sent))
    application.add_handler(CommandHandler("link", link, filters=sent))
    application.add_handler(CommandHandler("status", status, filters=sent))
    application.add_handler(CommandHandler("shift", shift, filters=sent))
    application.add_handler(CommandHandler("lang", language, filters=sent))
    application.add_handler(CallbackQueryHandler(language_button, pattern=r"^olang:"))
    application.add_handler(CallbackQueryHandler(offer_button, pattern=r"^(accept|decline):"))
    application.add_handler(CallbackQueryHandler(open_report_button, pattern=f"^{cards.OPEN_REPORT}"))
    return application


EXTRAS_KEY = "officer_bot_application"


async def get_application(ctx: Context) -> App | None:
    """This process's Application for webhook updates (None without a token): initialised once, shut down with
    the Context after its background updates are handled."""
    application: App | None = ctx.extras.get(EXTRAS_KEY)
    if application is not None or not ctx.settings.telegram_officer_token:
        return application
    async with ctx.extras.setdefault(f"{EXTRAS_KEY}_lock", asyncio.Lock()):
        application = ctx.extras.get(EXTRAS_KEY)
        if application is None:
            application = build_application(ctx)
            await application.initialize()
            ctx.extras[EXTRAS_KEY] = application
            built = application

            async def close() -> None:
                await drain(ctx)
                await built.shutdown()

            ctx.extras.setdefault("_closers", []).append(close)
    return application


@asynccontextmanager
async def polling(ctx: Context, **options: Any) -> AsyncIterator[App]:
    """The duty bot long-polling getUpdates for the block (`zan bot officer`), then stopped, the updates it fetched
    handled; `options` go to PTB's `start_polling`. The tests' pollers are built here too, so they run what
    production runs (the per-chat order and the de-duplication included)."""
    application = build_application(ctx, polling=True)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(drop_pending_updates=False, **options)  # deletes a webhook first
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
