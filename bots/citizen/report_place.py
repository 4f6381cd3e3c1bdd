"""The report's place: a location inside Kazakhstan, or asked again; a later one replaces it."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from backend.context import Context
from bots.citizen import keyboards, service
from bots.citizen.registry import Handlers
from bots.citizen.report_draft import (
    WORDS,
    ReportForm,
    add_to_description,
    ask_confirmation,
    ask_files,
    first_of_album,
    keep_place,
)
from bots.citizen.report_files import GONE, KEPT, SENT_AGAIN, TAKEN_ALREADY, keep_early_file
from bots.citizen.storage import step_now
from bots.citizen.texts import t

handlers = Handlers()


@handlers.message(ReportForm.location, F.location)
async def report_location(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    if not await take_place(message, state, ctx, lang):
        return
    await state.set_state(ReportForm.photo)
    await ask_files(message, state, ctx, lang)


async def take_place(message: Message, state: FSMContext, ctx: Context, lang: str) -> bool:
    """The message's location as the report's place, at any step: False (and asked again) when it is outside
    Kazakhstan."""
    if await keep_place(message, state, ctx):
        return True
    await message.answer(t("report_location_outside", lang), reply_markup=keyboards.send_location(lang))
    return False


@handlers.message(StateFilter(ReportForm.photo, ReportForm.confirm), F.location)
async def report_location_changed(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """Another location after the place was taken: the citizen corrects a wrong pin (or sends the right one after
    the first), so it replaces the place, said so, and the step goes on (the confirmation shows the new point)."""
    if not await take_place(message, state, ctx, lang):
        return
    if await state.get_state() == ReportForm.confirm.state:
        await message.answer(t("report_location_changed", lang))
        await ask_confirmation(message, state, ctx, lang)
        return
    await message.answer(t("report_location_changed", lang), reply_markup=keyboards.photos_done(lang))


@handlers.message(ReportForm.location, *WORDS)
async def report_location_words(message: Message, state: FSMContext, lang: str) -> None:
    """Words where the place is expected: mostly the place as the citizen knows it ("Абай даңғылы 10, 2-подъезд"),
    which the police read with the point, or more of what happened. Added to the description, not dropped (as words
    at the later steps are), and the location is still asked for."""
    if await add_to_description(message, state, lang, message.text or "", keyboards.send_location(lang)) is not None:
        await message.answer(t("report_text_added", lang) + "\n" + t("report_location", lang),
                             reply_markup=keyboards.send_location(lang))


@handlers.message(ReportForm.location)
async def report_location_missing(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                                  linked: service.ChatUser | None) -> None:
    """Anything else where the place is expected: the location asked for again (an album once). A photo, video or
    voice message is kept in the draft as at the files step, and the words under it join the description."""
    # the draft with the caption added, if it was: its key is the file's, not read again (Redis may be gone by now,
    # the caption kept: "send that again" would have it added twice)
    written = await add_to_description(message, state, lang, message.caption or "") if message.caption else None
    added = written is not None
    answers = await first_of_album(state, message)
    outcome, note = await keep_early_file(message, state, bot, ctx, lang, linked, written)
    if outcome in (TAKEN_ALREADY, GONE) and not added:
        return  # a re-delivered update (answered the first time), or the report cancelled meanwhile
    if not answers and not added and outcome in (None, KEPT, SENT_AGAIN):
        return
    # the place's step as the update read it, should Redis have gone away since: taken for none, the caption added
    # and the file kept would be said without the place asked for
    if await step_now(state) != ReportForm.location.state:
        if note:  # the location came while this file was stored: only what became of it
            await message.answer(note)
        return
    text = t("report_need_location", lang)
    if note:
        text = f"{note}\n{text}"
    if added:
        text = f"{t('report_text_added', lang)}\n{text}"
    await message.answer(text, reply_markup=keyboards.send_location(lang))
