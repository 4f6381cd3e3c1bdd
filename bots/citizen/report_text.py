"""The report's description: its first words (at least MIN_REPORT_TEXT characters), and corrections of them (an
edited message) at any later step; a location sent before it is kept for the place."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from bots.citizen import keyboards, service
from bots.citizen.registry import Handlers
from bots.citizen.report_asked import correct_typed, fitted, typed_edited, words_taken
from bots.citizen.report_draft import (
    ASKED,
    MAX_REPORT_TEXT,
    TYPED,
    WORDS,
    Draft,
    ReportForm,
    ask_confirmation,
    draft_data,
    first_of_album,
    keep_place,
    parts_text,
    resume,
    too_short,
    typed_parts,
)
from bots.citizen.report_files import GONE, KEPT, SENT_AGAIN, TAKEN_ALREADY, keep_early_file
from bots.citizen.texts import t

handlers = Handlers()
USE_TYPED = "report:use_typed"


@handlers.edited_message(StateFilter(ReportForm.text, *ASKED), typed_edited)
async def report_typed_edited(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """A message typed while a question about files waited, kept to be offered, corrected: its words in the offer are
    (the edit is not the description alone, the others dropped unsaid: it is offered as they are). At the description
    step the offer is shown again with the correction; a question waiting is not asked again for it."""
    await correct_typed(message, state)
    if await state.get_state() == ReportForm.text.state:
        await resume(message, state, ctx, lang)


@handlers.edited_message(ReportForm.text, *WORDS)
async def report_text_edited(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """A too-short description ("ой") corrected in place is the description; older messages are not."""
    if message.message_id > int((await state.get_data()).get("since") or 0):
        await report_text(message, state, ctx, lang)


@handlers.message(ReportForm.text, *WORDS)
async def report_text(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    text = (message.text or "").strip()
    if too_short(text):
        await message.answer(t("report_text_short", lang), reply_markup=keyboards.cancel_report(lang))
        return
    await resume(message, state, ctx, lang, draft=await take_description(state, [[message.message_id, text]]))


@handlers.callback_query(ReportForm.text, F.data == USE_TYPED)
async def report_use_typed(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Use: «…»": the words typed while a question about files waited (answered as a question then, so only
    offered) are the description, joined in the order typed, as the messages they were typed in (an edit of one
    corrects its words), quoted; cut to the description's limit, and said so."""
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    typed = typed_parts(await state.get_data())
    if not typed:
        await resume(message, state, ctx, lang)  # nothing to take: the step asked again
        return
    parts, cut = fitted(typed, lang)
    draft = await take_description(state, parts)
    taken = words_taken(parts, lang)
    await resume(message, state, ctx, lang, f"{taken}\n{cut}" if cut else taken, draft=draft)


@handlers.message(ReportForm.text, F.location)
async def report_place_first(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """The place sent before the description (many send the pin first): kept, so it is not asked for again once the
    description comes, and the description asked for. One outside Kazakhstan, which intake refuses, is said so."""
    kept = await keep_place(message, state, ctx)
    said = t("report_location_kept" if kept else "report_location_outside_early", lang)
    await message.answer(f"{said}\n{t('report_text_need_words', lang)}", reply_markup=keyboards.cancel_report(lang))


async def take_description(state: FSMContext, parts: list[list[Any]]) -> Draft:
    """The messages' words ([message_id, text] in order, within MAX_REPORT_TEXT once joined: one message's are, a
    Telegram message has 4096 characters at most) are the description: on to the place, or to the files when the place
    came first. Words typed earlier and offered (TYPED) are no longer. The draft as written is returned, for resume to
    ask its step from (read again, it may be unreadable for want of Redis though the words are kept: "send that
    again" would add them twice). DraftUnreadable (nothing written) when the draft cannot be read whole: written over
    a partial read, the words are kept, yet the place sent first reads as missing and is asked for again."""
    # the description is kept as the messages it came from, so a correction of one of them (an edited message)
    # replaces its own words
    data = {**await draft_data(state), "text": parts_text(parts), "parts": [list(part) for part in parts], TYPED: None}
    await state.set_data(data)
    step = ReportForm.photo if "lat" in data else ReportForm.location
    await state.set_state(step)
    return Draft(step.state, data)


@handlers.message(ReportForm.text)
async def report_text_missing(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                              linked: service.ChatUser | None) -> None:
    """A photo, video, voice message, sticker or command where the description is expected: said, not silently
    ignored (an album once), with the way back. A file is kept in the draft as at the files step (a voice message is
    how many citizens tell what happened), and the written description the report needs is asked for; a photo or video
    with what happened written under it (as many begin a report) gives the description."""
    caption = (message.caption or "").strip()
    described = not too_short(caption) and not caption.startswith("/")
    answers = await first_of_album(state, message)  # the album's other files, on their way, need no answer of their own
    # the draft as the caption was written: the step is asked from it should Redis go away by the last read below
    written = await take_description(state, [[message.message_id, caption]]) if described else None
    # its key the file's: the caption is kept, so the draft is not read again (Redis may be gone by now)
    outcome, note = await keep_early_file(message, state, bot, ctx, lang, linked,
                                          written.data if written is not None else None)
    if outcome in (TAKEN_ALREADY, GONE):
        return  # a re-delivered update (answered the first time), or the report cancelled meanwhile
    if written is not None:
        # read again: the place may have come in another message while the file was stored
        await resume(message, state, ctx, lang, t("report_caption_taken", lang) + (" " + note if note else ""),
                     written=written)
        return
    if not answers and outcome in (None, KEPT, SENT_AGAIN):
        return
    if await state.get_state() != ReportForm.text.state:
        if note:  # the description came in another message while this file was stored: only what became of it
            await message.answer(note)
        return
    said = note + "\n" if note else ""
    await message.answer(said + t("report_text_need_words", lang), reply_markup=keyboards.cancel_report(lang))


@handlers.edited_message(StateFilter(ReportForm.location, ReportForm.photo, ReportForm.confirm))
async def report_part_edited(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """The citizen corrected a message that is part of the description (Telegram sends the edit as an update of
    its own): the description takes the correction instead of filing the words they fixed. An edit of any other
    message changes nothing."""
    edited = (message.text or message.caption or "").strip()
    data = await state.get_data()
    parts: list[list[Any]] = [list(part) for part in data.get("parts", [])]
    found = next((part for part in parts if part[0] == message.message_id), None)
    if found is None or not edited or edited == found[1]:
        return
    first = found is parts[0]
    if first and too_short(edited):
        await message.answer(t("report_text_short", lang))
        return
    found[1] = edited
    text = parts_text(parts)
    if len(text) > MAX_REPORT_TEXT:
        await message.answer(t("report_text_full", lang, max=MAX_REPORT_TEXT))
        return
    await state.update_data(text=text, parts=parts)
    step = await state.get_state()
    if step == ReportForm.confirm.state:
        await ask_confirmation(message, state, ctx, lang)  # the confirmation on screen quotes the old words
        return
    # the step's own buttons again, so the conversation goes on from this message
    markup = keyboards.photos_done(lang) if step == ReportForm.photo.state else keyboards.send_location(lang)
    await message.answer(t("report_text_corrected", lang), reply_markup=markup)

