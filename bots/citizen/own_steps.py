"""The citizen's own steps on a report from /reports: withdraw it, rate how it was closed, appeal the closing.

A partner app does these with `POST /api/v1/reports/{id}/withdraw`, `/feedback` and `/reopen`; a citizen who has only
the chat could not. Each goes through the API's own code (bots.citizen.service → backend.reports.steps), so the same
rules, idempotency and refusals hold: a refusal is the API error's own text, in the chat's language.

Buttons (follow_up lists them): WITHDRAW under an open report asks "Yes / No" first; RATE (1–5 stars) and APPEAL
under a closed one the citizen did not withdraw. Each carries the report's id and its reopen count when shown: a
report not the chat's citizen's is refused as "Reply" refuses it, and a button shown before an appeal reopened the
report (the closing it judged is gone) is refused as out of date, never acting on the report as it is now. A tap's
idempotency key is its callback id, an appeal's its message's, so a redelivered update gets the first answer.

"Appeal" asks for the grounds in words (AppealForm, with "Cancel"), as "Reply" asks for an answer; the state the chat
was in (a report being written) comes back once the appeal is sent or cancelled. "Report" (the menu's, /report, "File a
report" under a legal answer) during an appeal ends it unfiled and starts a report, as from anywhere else; so does
"Language" before the languages are offered.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import NamedTuple

import msgspec
from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from backend.context import Context
from backend.lib.errors import ZanError
from backend.lib.i18n import pick
from backend.lib.messages import ERRORS
from backend.reports.models import Report
from backend.reports.workflow import Action, Actor, Resolution, Status, can
from bots.citizen import commands, keyboards, service
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.report_asked import start_or_ask, start_or_resume
from bots.citizen.report_draft import WORDS
from bots.citizen.stacked import APPEAL_BACK, stack, unstack
from bots.citizen.texts import all_languages, t

handlers = Handlers()
# attached before the commands and the report flow (bots.citizen.handlers), whose /cancel, "Cancel" and "Report" drop
# the whole FSM data: during an appeal they end the appeal only, and a report draft paused for it is back ("Report"
# then asks whether to go on with it); before `handlers` too, whose grounds would take the menu's "Report" as words
cancelling = Handlers()

WITHDRAW, WITHDRAW_YES, WITHDRAW_NO = "withdraw:", "withdraw:yes:", "withdraw:no:"  # + the report's id and count
RATE = "rate:"  # + the report's id, its reopen count and the stars
APPEAL, APPEAL_CANCEL = "appeal:", "appeal:cancel"
APPEAL_TO, APPEAL_SEEN, APPEAL_NUMBER = "appeal_to", "appeal_seen", "appeal_number"


class AppealForm(StatesGroup):
    grounds = State()


def buttons(report: Report, lang: str) -> list[list[InlineKeyboardButton]]:
    """A listed report's rows of buttons for the steps its state allows the citizen."""
    status = Status(report.status)
    resolution = Resolution(report.resolution) if report.resolution else None
    tail = f"{report.id}:{report.reopen_count}"
    held = report.unit_id is not None
    if can(Action.WITHDRAW, status, Actor.CITIZEN, held=held):
        return [[InlineKeyboardButton(text=t("btn_withdraw_report", lang, number=report.number),
                                      callback_data=f"{WITHDRAW}{tail}")]]
    if status != Status.CLOSED or resolution in (None, Resolution.WITHDRAWN):
        return []
    rows = []
    if can(Action.REOPEN, status, Actor.CITIZEN, resolution, held=held):
        rows.append([InlineKeyboardButton(text=t("btn_appeal_report", lang, number=report.number),
                                          callback_data=f"{APPEAL}{tail}")])
    if report.satisfaction is None:  # rated: its stars are not offered again (a stale list's still follow the API)
        rows.append([InlineKeyboardButton(text=t("btn_stars", lang, stars=stars),
                                          callback_data=f"{RATE}{tail}:{stars}") for stars in range(1, 6)])
    return rows


def _parsed(data: str | None, prefix: str, parts: int) -> tuple[uuid.UUID, list[int]] | None:
    """The report id and the numbers after it in a button's data (which comes from the client), if well formed."""
    fields = (data or "").removeprefix(prefix).split(":")
    if len(fields) != parts:
        return None
    try:
        return uuid.UUID(fields[0]), [int(f) for f in fields[1:]]
    except ValueError:
        return None


def _chat_of(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message is not None else callback.from_user.id


async def _refusal(ctx: Context, exc: Exception, report_id: uuid.UUID, lang: str) -> str:
    """The chat's words for a refused step: one not theirs is not named; an out-of-date button says so; any other
    refusal of the API (409) is its own error text, named by the report's number. The rest goes on (a 5xx)."""
    if isinstance(exc, service.StaleButton):
        return t("step_stale", lang, number=exc.number)
    if not isinstance(exc, ZanError):
        raise exc
    if exc.code == "report.not_found":
        return t("step_not_found", lang)
    if exc.status == 409 and exc.code in ERRORS:
        _, number = await service.closed_as(ctx, report_id)
        return t("step_refused", lang, number=number, reason=pick(ERRORS[exc.code], lang))
    raise exc


class _Tap(NamedTuple):
    chat_id: int
    report_id: uuid.UUID
    numbers: list[int]  # what the button carries after the report's id: its reopen count, then any other
    citizen_id: uuid.UUID


async def _tap(callback: CallbackQuery, bot: Bot, ctx: Context, lang: str, linked: service.ChatUser | None,
               prefix: str, parts: int) -> _Tap | None:
    """A step's button answered, its data read and the chat's citizen found; None (said as "not found") for data
    that is not well formed (it comes from the client)."""
    await callback.answer()
    chat_id = _chat_of(callback)
    parsed = _parsed(callback.data, prefix, parts)
    if parsed is None:
        await bot.send_message(chat_id, t("step_not_found", lang))
        return None
    user = await citizen_of(ctx, linked, callback.from_user, chat_id, lang)
    return _Tap(chat_id, parsed[0], parsed[1], user.citizen_id)


async def _number(bot: Bot, ctx: Context, lang: str, tap: _Tap, step: Awaitable[str]) -> str | None:
    """The report's number once `step` (a service call for `tap`'s report) is done; None once its refusal is said."""
    try:
        return await step
    except (ZanError, service.StaleButton) as exc:
        await bot.send_message(tap.chat_id, await _refusal(ctx, exc, tap.report_id, lang))
        return None


@handlers.callback_query(F.data.startswith(WITHDRAW_NO))
async def withdraw_no(callback: CallbackQuery, bot: Bot, ctx: Context, lang: str,
                      linked: service.ChatUser | None) -> None:
    """"No": nothing is done; the report is named only if it is the citizen's (the data comes from the client)."""
    tap = await _tap(callback, bot, ctx, lang, linked, WITHDRAW_NO, 2)
    if tap is not None and (number := await _number(bot, ctx, lang, tap, service.step_target(
            ctx, citizen_id=tap.citizen_id, report_id=tap.report_id, seen=tap.numbers[0]))):
        await bot.send_message(tap.chat_id, t("withdraw_kept", lang, number=number))


@handlers.callback_query(F.data.startswith(WITHDRAW_YES))
async def withdraw_yes(callback: CallbackQuery, bot: Bot, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> None:
    tap = await _tap(callback, bot, ctx, lang, linked, WITHDRAW_YES, 2)
    if tap is not None and (number := await _number(bot, ctx, lang, tap, service.withdraw_report(
            ctx, citizen_id=tap.citizen_id, report_id=tap.report_id, seen=tap.numbers[0],
            idempotency_key=f"telegram:{tap.chat_id}:{callback.id}"))):
        await bot.send_message(tap.chat_id, t("withdraw_done", lang, number=number))


@handlers.callback_query(F.data.startswith(WITHDRAW))
async def withdraw_ask(callback: CallbackQuery, bot: Bot, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> None:
    """"Withdraw": nothing is done before "Yes"; the report is checked now (theirs, not reopened since) so a refusal
    comes before the question."""
    tap = await _tap(callback, bot, ctx, lang, linked, WITHDRAW, 2)
    if tap is None or not (number := await _number(bot, ctx, lang, tap, service.step_target(
            ctx, citizen_id=tap.citizen_id, report_id=tap.report_id, seen=tap.numbers[0]))):
        return
    tail = f"{tap.report_id}:{tap.numbers[0]}"
    await bot.send_message(tap.chat_id, t("withdraw_confirm", lang, number=number),
                           reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                               InlineKeyboardButton(text=t("btn_yes", lang), callback_data=f"{WITHDRAW_YES}{tail}"),
                               InlineKeyboardButton(text=t("btn_no", lang), callback_data=f"{WITHDRAW_NO}{tail}")]]))


@handlers.callback_query(F.data.startswith(RATE))
async def rate(callback: CallbackQuery, bot: Bot, ctx: Context, lang: str, linked: service.ChatUser | None) -> None:
    tap = await _tap(callback, bot, ctx, lang, linked, RATE, 3)
    if tap is None:
        return
    seen, stars = tap.numbers
    if not 1 <= stars <= 5:
        await bot.send_message(tap.chat_id, t("step_not_found", lang))
        return
    if number := await _number(bot, ctx, lang, tap, service.rate_report(
            ctx, citizen_id=tap.citizen_id, report_id=tap.report_id, seen=seen, satisfaction=stars,
            idempotency_key=f"telegram:{tap.chat_id}:{callback.id}")):
        await bot.send_message(tap.chat_id, t("rate_done", lang, number=number, stars=stars))


def _cancel(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t("btn_cancel", lang),
                                                                       callback_data=APPEAL_CANCEL)]])


async def _end(state: FSMContext) -> str | None:
    """Back to where the chat was before "Appeal" (that state, returned: stacked.unstack)."""
    return await unstack(state, APPEAL_BACK, (APPEAL_TO, APPEAL_SEEN, APPEAL_NUMBER))


@cancelling.message(AppealForm.grounds, Command("cancel"))
@cancelling.message(AppealForm.grounds, F.text.in_(all_languages("btn_cancel")))
async def appeal_cancel_typed(message: Message, state: FSMContext, lang: str) -> None:
    back = await _end(state)
    await message.answer(t("cancelled", lang), reply_markup=None if back else keyboards.main_menu(lang))


@cancelling.message(AppealForm.grounds, Command("report"))
@cancelling.message(AppealForm.grounds, F.text.in_(all_languages("btn_report")))
async def appeal_then_report(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Report" during an appeal: a report is wanted, not an appeal. The menu's button is words to the grounds'
    handler (its label filed as the grounds, the closed report reopened), and /report clearing the chat dropped a
    report draft paused for the appeal unasked. The appeal ends unfiled, then a report is started as from anywhere
    else (a paused draft back, the citizen asked whether to go on with it or start again), as during a Reply."""
    await _end(state)
    await start_or_ask(message, state, ctx, lang)


@cancelling.message(AppealForm.grounds, Command("language"))
@cancelling.message(AppealForm.grounds, F.text.in_(all_languages("btn_language")))
async def appeal_then_language(message: Message, state: FSMContext) -> None:
    """/language or the menu's "Language" during an appeal: the choice ends with the welcome (or a paused draft's
    step), which asks for a legal question, not for grounds; kept open, the appeal filed the question as its grounds.
    It ends unfiled, as the answer to a request for information does, and the languages are offered as anywhere."""
    await _end(state)
    await commands.choose(message)


@cancelling.callback_query(AppealForm.grounds, F.data == "report:start")
async def appeal_then_report_button(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"File a report" under an earlier legal answer, tapped during an appeal: the appeal ends unfiled, and a report
    starts, or the draft paused for the appeal goes on (as the button does anywhere), not dropped unasked."""
    await callback.answer()
    await _end(state)
    if isinstance(callback.message, Message):
        await start_or_resume(callback.message, state, ctx, lang)


@handlers.callback_query(F.data == APPEAL_CANCEL)
async def appeal_cancel(callback: CallbackQuery, state: FSMContext, bot: Bot, lang: str) -> None:
    await callback.answer()
    if await state.get_state() == AppealForm.grounds.state:
        await _end(state)
    await bot.send_message(_chat_of(callback), t("cancelled", lang))


@handlers.callback_query(F.data.startswith(APPEAL))
async def appeal_start(callback: CallbackQuery, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> None:
    """"Appeal": the report is checked now (theirs, not reopened since) so a refusal comes before the grounds."""
    tap = await _tap(callback, bot, ctx, lang, linked, APPEAL, 2)
    if tap is None or not (number := await _number(bot, ctx, lang, tap, service.step_target(
            ctx, citizen_id=tap.citizen_id, report_id=tap.report_id, seen=tap.numbers[0]))):
        return
    chat_id, report_id, seen = tap.chat_id, tap.report_id, tap.numbers[0]
    await stack(state, AppealForm.grounds, APPEAL_BACK, {APPEAL_TO: str(report_id), APPEAL_SEEN: seen,
                                                         APPEAL_NUMBER: number})
    await bot.send_message(chat_id, t("appeal_prompt", lang, number=number), reply_markup=_cancel(lang))


@handlers.message(AppealForm.grounds, *WORDS)
async def appeal_grounds(message: Message, state: FSMContext, ctx: Context, lang: str,
                         linked: service.ChatUser | None) -> None:
    """The grounds: the appeal is filed once per message (its idempotency key), or refused as the API refuses it."""
    data = await state.get_data()
    report_id = uuid.UUID(str(data[APPEAL_TO]))
    user = await citizen_of(ctx, linked, message.from_user, message.chat.id, lang)
    try:
        number = await service.appeal_report(ctx, citizen_id=user.citizen_id, report_id=report_id,
                                             seen=int(data.get(APPEAL_SEEN) or 0), reason=message.text or "",
                                             idempotency_key=f"telegram:{message.chat.id}:{message.message_id}")
    except msgspec.ValidationError:  # too short or too long: the appeal stays open for other words
        await message.answer(t("appeal_bad_length", lang), reply_markup=_cancel(lang))
        return
    except ZanError as exc:
        if exc.code == "validation.failed":  # blanks only
            await message.answer(t("appeal_bad_length", lang), reply_markup=_cancel(lang))
            return
        await message.answer(await _refusal(ctx, exc, report_id, lang))
        await _end(state)
        return
    except service.StaleButton as exc:
        await message.answer(await _refusal(ctx, exc, report_id, lang))
        await _end(state)
        return
    await message.answer(t("appeal_done", lang, number=number))
    await _end(state)


@handlers.message(AppealForm.grounds)
async def appeal_other(message: Message, lang: str) -> None:
    """A file, sticker or location while the grounds are expected: said what is, not taken for them."""
    await message.answer(t("appeal_hint", lang), reply_markup=_cancel(lang))
