"""Reporting an offence: description → location → photos and videos → confirmation → "Send".

What the citizen sends at each step is either taken or answered with what the step expects: never silently dropped.
Words sent after the description step join it, an edited message corrects its words, an album gets one answer, and
a double tap on "Send" (or a re-delivered update) files the report once. Here: starting (asking first, "continue or
start again?", while one is being written) and cancelling a report; each step's handlers are a module of their own
(report_text, report_place, report_files, report_confirm, report_offer: a report begun by a photo, video, voice
message or location sent outside one, and report_addition: files sent shortly after a report was filed, added to it
or not, report_asked: what those questions end in), and the steps and their FSM data are in report_draft.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from bots.citizen import (
    keyboards,
    report_addition,
    report_confirm,
    report_expired,
    report_files,
    report_offer,
    report_place,
    report_text,
)
from bots.citizen.registry import Handlers
from bots.citizen.report_asked import start_or_ask, start_or_resume
from bots.citizen.report_draft import (
    ASKED,
    WRITING,
    drop_draft,
    resume,
    start_report,
)
from bots.citizen.texts import all_languages, t

handlers = Handlers()
# attached first of all (bots.citizen.handlers): a draft's button of an earlier report, before any handler of the
# draft being written (the report flow's, or the Reply's paused one) takes it for this one's
earlier = Handlers()
# the buttons that act on the draft being written (its steps', the question whether to go on with it or start again,
# the question whether to file a report with a voice message, the question whether to add files to a report just
# filed, the description step's "Use: «…»" of words typed earlier); "report:start" (under a legal answer) starts a
# new one anywhere
CONTINUE, RESTART = "report:continue", "report:restart"
DRAFT_BUTTONS = frozenset({"report:cancel", "report:skip", "report:photos_done", "report:send", CONTINUE, RESTART,
                           report_offer.OFFER_YES, report_offer.OFFER_NO, report_addition.ADD_YES,
                           report_addition.ADD_NEW, report_text.USE_TYPED})
# the steps' handlers, after this module's (whose commands and buttons count at any step), in the order aiogram tries
# them: a draft whose data expired first (report_expired: no step finds it); a file at the confirmation is taken
# (report_files) before the confirmation's "anything else" (report_confirm), whose last handler acknowledges any other
# "report:" button; report_addition's and report_offer's take what starts a draft outside one (a file shortly after a
# report was filed first: it may be that report's)
STEPS = (report_expired.handlers, report_text.handlers, report_place.handlers, report_files.handlers,
         report_addition.handlers, report_offer.handlers, report_confirm.handlers)


async def of_an_earlier_report(callback: CallbackQuery, state: FSMContext) -> bool:
    """A draft's button on a message older than the draft being written (yesterday's "Cancel" or "Send"): every
    message of this draft comes after its `since`, and buttons carry no draft of their own."""
    if callback.data not in DRAFT_BUTTONS or callback.message is None:
        return False
    data = await state.get_data()
    since = data.get("since")
    return "key" in data and since is not None and callback.message.message_id < int(since)


@earlier.callback_query(of_an_earlier_report)
async def earlier_report_button(callback: CallbackQuery, lang: str) -> None:
    """Said, and nothing done: it cancelled the report being written (all the citizen had sent lost), or filed it
    unconfirmed."""
    await callback.answer(t("report_button_earlier", lang), show_alert=True)


@handlers.message(Command("cancel"))
@handlers.message(F.text.in_(all_languages("btn_cancel")))
async def cancel(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    if await state.get_state() in ASKED:
        await report_offer.drop_offered(state, ctx)  # its files deleted at once, as "No" does: none was sent
    else:
        await drop_draft(state, ctx)
    await message.answer(t("cancelled", lang), reply_markup=keyboards.main_menu(lang))


@handlers.message(Command("report"))
@handlers.message(F.text.in_(all_languages("btn_report")))
async def report_start(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await start_or_ask(message, state, ctx, lang)


@handlers.callback_query(StateFilter(*WRITING), F.data == CONTINUE)
async def report_continue(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Continue" of the question "Report" asked mid-report: the step asked again, with its keyboard."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await resume(callback.message, state, ctx, lang)


@handlers.callback_query(StateFilter(*WRITING), F.data == RESTART)
async def report_restart(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Start again": only now is the draft being written dropped (its files let go) and a new one started. A
    second tap finds a draft newer than its message (report_flow.earlier refuses it)."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await start_report(callback.message, state, ctx, lang)


@handlers.callback_query(F.data == "report:start")
async def report_start_button(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await start_or_resume(callback.message, state, ctx, lang)



@handlers.callback_query(F.data == "report:cancel")
async def report_cancel(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await drop_draft(state, ctx)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(t("cancelled", lang), reply_markup=keyboards.main_menu(lang))



for _step in STEPS:
    handlers.items.extend(_step.items)
