"""A report draft whose data expired before its state (Redis keeps the two under their own TTLs), met at any step.

Every step reads its draft (its key, its description, its place): with the data gone it failed on it (KeyError: the
generic apology, and what the citizen sent lost), or took words into a draft with no key that failed at a later step,
and a question before a report ("File a report with this?", "Add to report № …") named no report ("№ "). These
handlers are attached before every step's (report_flow.STEPS), so the steps never see such a draft: it is said to be
gone (report_draft.draft_read, the one guard, which resume uses too) and what was sent is taken afresh. A file is
taken as one sent outside a report (asked about, or a new report's), a location as a new report's place. Words at a
question are answered as a question (as they were while it waited); words at a report's step start a new report: at
the description step they are its description (what was asked for), at a later one they added to a description that
is gone and are offered for the new one ("Use: «…»"), never taken unasked ("отправить" typed at the confirmation is no
description). A step's button says that it sent nothing; an edited message that the draft is gone. Data read empty
only because Redis went away after the state was read is not taken for expired (report_draft.DraftUnreadable): the
citizen is asked to send it again in a minute, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from backend.context import Context
from bots.citizen import service
from bots.citizen.legal_flow import ask_prompt, legal_question
from bots.citizen.registry import Handlers
from bots.citizen.report_addition import ADD_NEW, ADD_YES, addable, offer_addition
from bots.citizen.report_asked import keep_typed
from bots.citizen.report_draft import (
    ASKED,
    CONFIRM_QUOTE_CHARS,
    NOT_DESCRIPTION,
    WRITING,
    ReportForm,
    draft_data,
    draft_gone,
    lost_said,
    open_draft,
    resume,
    shortened,
    too_short,
)
from bots.citizen.report_offer import OFFER_YES, report_from_evidence
from bots.citizen.report_text import USE_TYPED, take_description
from bots.citizen.texts import t

handlers = Handlers()
# the buttons of the steps, which read the draft. Not "No" and "Cancel", which drop whatever there is, nor "Continue",
# which asks the step again through resume (guarded itself)
STEP_BUTTONS = frozenset({"report:skip", "report:photos_done", "report:send", OFFER_YES, ADD_YES, ADD_NEW, USE_TYPED})


async def data_gone(_: TelegramObject, state: FSMContext) -> dict[str, Any] | bool:
    """The draft being written has lost its data (its state, checked by the StateFilter beside this, is still one of
    a report's): what was read of it handed to the handler as `lost`, not read again. Data unreadable for want of
    Redis is no loss: DraftUnreadable ends the update (draft_data)."""
    data = await draft_data(state)
    return False if "key" in data else {"lost": data}


@handlers.message(StateFilter(*WRITING), data_gone)
async def gone_before_answer(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                             linked: service.ChatUser | None, lost: dict[str, Any]) -> None:
    """Said to be gone, and `message` taken afresh (see the module's docstring)."""
    step = await state.get_state()
    await lost_said(message, state, step, lost, lang)
    text = message.text or ""
    if addable(message):
        await offer_addition(message, state, bot, ctx, lang, linked)
    elif message.location is not None:
        await report_from_evidence(message, state, bot, ctx, lang, linked)
    elif text in NOT_DESCRIPTION:
        await ask_prompt(message, lang)  # the menu's "Legal question": the question asked for, as outside a report
    elif not text or text.startswith("/"):
        return  # a sticker, a command: the menu (said with the draft gone) starts again
    elif step in ASKED:
        await legal_question(message, bot, ctx, state, lang, linked)
    else:
        await _new_report_of(message, state, ctx, lang, step == ReportForm.text.state)


async def _new_report_of(message: Message, state: FSMContext, ctx: Context, lang: str, asked_for: bool) -> None:
    """Words sent at a step of a report gone start a new one: its description when that is what was `asked_for`
    (quoted), else offered for it with a button."""
    text = (message.text or "").strip()
    await open_draft(state, ctx, message.message_id)
    if asked_for and not too_short(text):
        draft = await take_description(state, [[message.message_id, text]])
        taken = t("report_words_taken", lang, text=shortened(text, CONFIRM_QUOTE_CHARS))
        await resume(message, state, ctx, lang, taken, draft=draft)
        return
    await keep_typed(message, state)
    await resume(message, state, ctx, lang)


@handlers.edited_message(StateFilter(*WRITING), data_gone)
async def edited_after_expiry(message: Message, state: FSMContext, lang: str, lost: dict[str, Any]) -> None:
    """A correction of a message whose draft is gone corrects nothing (a description taken from it would be a draft
    with no key): said so."""
    await lost_said(message, state, await state.get_state(), lost, lang)


@handlers.callback_query(StateFilter(*WRITING), F.data.in_(STEP_BUTTONS), data_gone)
async def button_after_expiry(callback: CallbackQuery, state: FSMContext, lang: str, lost: dict[str, Any]) -> None:
    """A step's button ("Done", "Send", "Add", "Yes"…): it sent nothing, and is said so as any button of a draft that
    is gone (report_confirm.report_stale_button)."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await draft_gone(callback.message, state, lost, lang)
    else:
        await state.set_state(None)  # a message too old to answer under: the state is let go all the same
