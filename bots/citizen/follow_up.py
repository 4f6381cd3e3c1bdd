"""The citizen follows their reports: /reports lists them (with "Reply" under those awaiting the citizen's
information, "Withdraw" under open ones, an appeal and a rating under closed ones: bots.citizen.own_steps), and
"Show" reveals a restricted report's update."""

from __future__ import annotations

import logging
import uuid

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from backend.context import Context
from backend.lib.i18n import pick
from backend.notifications.fanout import discreet_for_citizen
from backend.reports.service import local_date
from backend.reports.views import citizen_status
from bots.chats import fit
from bots.citizen import own_steps, service
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.reply_flow import reply_button
from bots.citizen.report_draft import shortened
from bots.citizen.texts import all_languages, t

log = logging.getLogger("zan.bots.citizen")
handlers = Handlers()


MORE_REPORTS = "reports:"  # a "More" button's data: the prefix and the id of the last report listed above it
# a listed report's question, quoted: staff may write 2,000 characters, and two or three whole questions passed
# Telegram's 4096 (the list refused, its "Reply" buttons with it). "Reply" shows the question whole
QUESTION_QUOTE_CHARS = 200


@handlers.message(Command("reports"))
@handlers.message(F.text.in_(all_languages("btn_my_reports")))
async def my_reports(message: Message, ctx: Context, lang: str, linked: service.ChatUser | None) -> None:
    user = await citizen_of(ctx, linked, message.from_user, message.chat.id, lang)
    await _send_page(message, ctx, lang, user.citizen_id, after=None)


@handlers.callback_query(F.data.startswith(MORE_REPORTS))
async def more_reports(callback: CallbackQuery, ctx: Context, lang: str, linked: service.ChatUser | None) -> None:
    """"More" under a full page: the next ten, older ones, in a message of their own (the page above keeps its
    "Reply" buttons)."""
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message) or linked is None:
        return
    try:
        after = uuid.UUID((callback.data or "").removeprefix(MORE_REPORTS))
    except ValueError:  # the button's data comes from the client
        return
    await _send_page(message, ctx, lang, linked.citizen_id, after=after)


async def _send_page(message: Message, ctx: Context, lang: str, citizen_id: uuid.UUID, *,
                     after: uuid.UUID | None) -> None:
    """One page of the citizen's reports: a line each, the question of those awaiting the citizen with a "Reply"
    button, and "More" when older ones follow (only the newest ten used to be listed: an older report awaiting
    the citizen's answer could not be reached from the chat)."""
    reports, more = await service.reports_page(ctx, citizen_id, after=after)
    if not reports:
        if after is None:
            await message.answer(t("no_reports", lang))
        return
    lines = [t("my_reports" if after is None else "more_reports", lang)]
    asked = await service.questions(ctx, reports)
    buttons = []
    for report in reports:
        _, names = citizen_status(report.status)
        lines.append(t("report_line", lang, number=report.number, status=pick(names, lang),
                       date=local_date(report.created_at)))
        question = asked.get(report.id)
        if question is None:
            buttons.extend(own_steps.buttons(report, lang))
            continue
        # a restricted report's question is not quoted: the list may stay the chat's last message, shown on the
        # lock screen (bots.citizen.notify); "Reply" shows it once tapped
        if question.public_text and not discreet_for_citizen(report):
            lines.append(t("report_question", lang,
                           question=shortened(pick(question.public_text, lang), QUESTION_QUOTE_CHARS)))
        buttons.append([reply_button(report.id, lang, report.number)])
        buttons.extend(own_steps.buttons(report, lang))
    if more:
        buttons.append([InlineKeyboardButton(text=t("btn_more_reports", lang),
                                             callback_data=f"{MORE_REPORTS}{reports[-1].id}")])
    # fitted as well: ten quotes of emoji (two of Telegram's units each) could still pass the limit
    await message.answer(fit("\n".join(lines)),
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None)


@handlers.callback_query(F.data.startswith("update:"))
async def show_update(callback: CallbackQuery, ctx: Context, lang: str, linked: service.ChatUser | None) -> None:
    """"Show" under a restricted report's discreet update (bots.citizen.notify): the citizen chose to read it now,
    so the message itself becomes the number, the state and the public text. Edited in place, not sent anew: an
    edit raises no notification on the citizen's other devices."""
    from bots.citizen.notify import SHOW_UPDATE, update_view  # notify imports runtime, which imports the handlers

    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    event_id = (callback.data or "").removeprefix(SHOW_UPDATE)
    view = await update_view(ctx, event_id, linked.citizen_id, lang) if linked is not None else None
    if view is None:
        await message.answer(t("update_unavailable", lang))
        return
    text, markup = view
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:  # a second tap or a re-delivered update: it already shows the details
            return
        # a message Telegram no longer lets the bot edit: the details in a new one
        log.info("discreet update not edited: %s", exc.message)
        await message.answer(text, reply_markup=markup)
