"""Reporting an offence: description → location → photos and videos → confirmation → "Send".

What the citizen sends at each step is either taken or answered with what the step expects: never silently dropped.
Words sent after the description step join it, an edited message corrects its words, an album gets one answer, and
a double tap on "Send" (or a re-delivered update) files the report once. The steps and their FSM data are in
report_draft.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from backend.lib.errors import ZanError
from backend.lib.i18n import pick
from backend.lib.messages import ERRORS
from backend.media.service import kind_of
from bots.citizen import keyboards, service
from bots.citizen.isolation import pause, released
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.report_draft import (
    ALBUM_SETTLE_S,
    BOT_DOWNLOAD_LIMIT,
    FILED_SINCE,
    MAX_FILES,
    MAX_REPORT_TEXT,
    MIN_REPORT_TEXT,
    NOT_DESCRIPTION,
    PART_SEPARATOR,
    Incoming,
    ReportForm,
    add_to_description,
    album_answer_due,
    album_file_done,
    ask_confirmation,
    being_stored,
    drop_draft,
    free_place,
    hold_place,
    in_kazakhstan,
    incoming,
    local_date_iso,
    start_report,
)
from bots.citizen.texts import all_languages, t

log = logging.getLogger("zan.bots.citizen")
handlers = Handlers()
# words of the description: not a command (an unknown "/help" is not what happened), not the menu's "Legal question"
WORDS = (F.text, ~F.text.startswith("/"), ~F.text.in_(NOT_DESCRIPTION))


@handlers.message(Command("cancel"))
@handlers.message(F.text.in_(all_languages("btn_cancel")))
async def cancel(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await drop_draft(state, ctx)
    await message.answer(t("cancelled", lang), reply_markup=keyboards.main_menu(lang))


@handlers.message(Command("report"))
@handlers.message(F.text.in_(all_languages("btn_report")))
async def report_start(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await start_report(message, state, ctx, lang)


@handlers.callback_query(F.data == "report:start")
async def report_start_button(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await start_report(callback.message, state, ctx, lang)


# -- the description ---------------------------------------------------------------------------------------------------
@handlers.edited_message(ReportForm.text, *WORDS)
async def report_text_edited(message: Message, state: FSMContext, lang: str) -> None:
    """A too-short description ("ой") corrected in place is the description; older messages are not."""
    if message.message_id > int((await state.get_data()).get("since") or 0):
        await report_text(message, state, lang)


@handlers.message(ReportForm.text, *WORDS)
async def report_text(message: Message, state: FSMContext, lang: str) -> None:
    text = (message.text or "").strip()
    if len(text) < MIN_REPORT_TEXT:
        await message.answer(t("report_text_short", lang))
        return
    text = text[:MAX_REPORT_TEXT]
    # the description is kept as the messages it came from, so a correction of one of them (an edited message)
    # replaces its own words
    await state.update_data(text=text, parts=[[message.message_id, text]])
    await state.set_state(ReportForm.location)
    await message.answer(t("report_location", lang), reply_markup=keyboards.send_location(lang))


@handlers.message(ReportForm.text)
async def report_text_missing(message: Message, lang: str) -> None:
    """A photo, sticker, voice note or command where the description is expected: said, not silently ignored."""
    await message.answer(t("report_text_need_words", lang))


# -- the place ---------------------------------------------------------------------------------------------------------
@handlers.message(ReportForm.location, F.location)
async def report_location(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    location = message.location
    assert location is not None
    if not in_kazakhstan(ctx, location.latitude, location.longitude):
        # intake refuses it (report.outside_kazakhstan): asked again here, not after the files and the confirmation
        await message.answer(t("report_location_outside", lang), reply_markup=keyboards.send_location(lang))
        return
    await state.update_data(lat=location.latitude, lon=location.longitude,
                            accuracy=location.horizontal_accuracy)
    await state.set_state(ReportForm.photo)
    await message.answer(t("report_photo", lang), reply_markup=keyboards.skip_photo(lang))


@handlers.message(ReportForm.location)
async def report_location_missing(message: Message, lang: str) -> None:
    await message.answer(t("report_need_location", lang), reply_markup=keyboards.send_location(lang))


# -- corrections of the description, at any later step -----------------------------------------------------------------
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
    if first and len(edited) < MIN_REPORT_TEXT:
        await message.answer(t("report_text_short", lang))
        return
    found[1] = edited
    text = PART_SEPARATOR.join(str(part[1]) for part in parts)
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


# -- photos and videos -------------------------------------------------------------------------------------------------
@handlers.message(StateFilter(ReportForm.photo, ReportForm.confirm), F.photo | F.video | F.document)
async def report_media(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> None:
    """A file for the report. The chat is held while the draft is read and changed (its place among the files, the
    limit, who answers an album), and let go while the file is downloaded and stored: an album's files are stored
    side by side, and its other updates are not kept waiting past the album's settle."""
    data = await state.get_data()
    key = str(data["key"])
    if await state.get_state() == ReportForm.confirm.state:
        # a file sent after the confirmation was shown: taken, and the files step (and its "Done") is back
        await state.set_state(ReportForm.photo)
    if message.caption and await add_to_description(message, state, lang, message.caption):
        await message.answer(t("report_text_added", lang))
    file = incoming(message)
    if file is None or (file.size or 0) > min(kind_of(file.content_type).max_bytes, BOT_DOWNLOAD_LIMIT):
        await message.answer(t("report_photo_bad", lang), reply_markup=keyboards.photos_done(lang))
        return
    storing = being_stored(await state.get_data())
    if file.file_unique_id in storing or await service.has_draft_media(ctx, key, file.file_unique_id):
        return  # a re-delivered update: already taken (or on its way) and answered (or to be)
    album = message.media_group_id or ""
    if len(await service.draft_media(ctx, key)) + len(storing) >= MAX_FILES:
        await _over_limit(message, state, ctx, lang, key, file.file_unique_id)
        return
    user = await citizen_of(ctx, linked, message.from_user, message.chat.id, lang)
    await hold_place(state, file.file_unique_id, album)
    try:
        async with released():
            stored = await _store(bot, ctx, file, user.citizen_id)
    finally:
        # the chat is held again: the draft may have been cancelled or filed, or other files kept, meanwhile
        alive = await free_place(state, key, file.file_unique_id)
    if isinstance(stored, str):  # refused or not stored: said, with the files step's buttons
        if alive:
            await message.answer(t(stored, lang), reply_markup=keyboards.photos_done(lang))
            if album:
                await _album_file_done(message, state, ctx, lang, key, file.file_unique_id, over=False)
        return
    if not alive:
        await service.discard_media(ctx, stored)  # its draft is gone: not attached, not kept
        return
    if len(await service.draft_media(ctx, key)) >= MAX_FILES:
        # the limit was taken meanwhile without this file's place (a place lost with its worker came back to life)
        await service.discard_media(ctx, stored)
        await _over_limit(message, state, ctx, lang, key, file.file_unique_id)
        return
    if not await service.keep_draft_media(ctx, draft_key=key, file_unique_id=file.file_unique_id, media_id=stored):
        await service.discard_media(ctx, stored)  # the same update handled twice at once in two workers
        return
    if album:
        await _album_file_done(message, state, ctx, lang, key, file.file_unique_id, over=False)
        return
    await _answer_files(message, state, ctx, lang, key)


async def _store(bot: Bot, ctx: Context, file: Incoming, citizen_id: uuid.UUID) -> uuid.UUID | str:
    """Download the file from Telegram and store it as a verified media file: its id, or the text that says why
    not. Touches nothing of the chat's FSM (it runs with the chat let go)."""
    try:
        buffer = await bot.download(file.file_id)
    except TelegramBadRequest as exc:
        # a file whose message did not say its size (Telegram's file_size is optional) and that is over the Bot
        # API's 20 MB: the file's fault, said as such, not "the service is unavailable, try again"
        log.info("telegram file not downloaded: %s", exc.message)
        return "report_photo_bad"
    data = buffer.read() if buffer is not None else b""
    try:
        media = await service.store_media(ctx, citizen_id=citizen_id, data=data, content_type=file.content_type)
    except ZanError as exc:
        log.info("telegram file refused: %s", exc.code)
        # a 5xx (`media.store_unavailable` while S3 is down) is our fault, not the file's: "wrong file" would make
        # the citizen give up a good photo of the scene instead of sending it again once the store is back
        return "report_photo_store_down" if exc.status >= 500 else "report_photo_bad"
    return media.id


async def _over_limit(message: Message, state: FSMContext, ctx: Context, lang: str, key: str,
                      file_unique_id: str) -> None:
    """A file past the limit, never stored: a file of an album is counted for the album's one answer, a file of
    its own is refused at once."""
    if message.media_group_id:
        await _album_file_done(message, state, ctx, lang, key, file_unique_id, over=True)
        return
    await message.answer(t("report_photo_limit", lang, max=MAX_FILES), reply_markup=keyboards.photos_done(lang))


async def _album_file_done(message: Message, state: FSMContext, ctx: Context, lang: str, key: str,
                           file_unique_id: str, *, over: bool) -> None:
    """An album comes as one update per file, all at once: only the file through last answers, once the album has
    settled and none of its files is still being stored, so the citizen gets one reply with the total instead of
    one per file (the chat is let go meanwhile, or the other files would wait for this one)."""
    album = str(message.media_group_id)
    await album_file_done(state, album, file_unique_id, over=over)
    await pause(ALBUM_SETTLE_S)
    extra = await album_answer_due(state, key, album, file_unique_id)
    if extra is not None:
        await _answer_files(message, state, ctx, lang, key, over=extra)


async def _answer_files(message: Message, state: FSMContext, ctx: Context, lang: str, key: str,
                        over: int = 0) -> None:
    """The files so far: the confirmation once the limit is reached, else the count and "Done"."""
    count = len(await service.draft_media(ctx, key))
    if count >= MAX_FILES:
        await ask_confirmation(message, state, ctx, lang, over=over)
        return
    if not count:
        return  # an album none of whose files could be taken: each said so already
    # the files step again, should "Done" have shown the confirmation while this file was on its way
    await state.set_state(ReportForm.photo)
    await message.answer(t("report_photo_added", lang, count=count, max=MAX_FILES),
                         reply_markup=keyboards.photos_done(lang))


@handlers.message(ReportForm.photo, *WORDS)
async def report_photo_text(message: Message, state: FSMContext, lang: str) -> None:
    """More words at the files step ("he had a knife"): added to the description, not dropped."""
    if await add_to_description(message, state, lang, message.text or "", keyboards.photos_done(lang)):
        await message.answer(t("report_text_added", lang), reply_markup=keyboards.photos_done(lang))


@handlers.message(ReportForm.photo)
async def report_photo_other(message: Message, lang: str) -> None:
    """A sticker, voice note or location at the files step: said what is expected, not silently ignored."""
    await message.answer(t("report_photo_hint", lang), reply_markup=keyboards.photos_done(lang))


@handlers.callback_query(ReportForm.photo, F.data.in_({"report:skip", "report:photos_done"}))
async def report_photos_done(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await ask_confirmation(callback.message, state, ctx, lang)


# -- the confirmation --------------------------------------------------------------------------------------------------
@handlers.message(ReportForm.confirm, *WORDS)
async def report_confirm_text(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """Words written instead of tapping "Send": added to the description, and the confirmation shows them."""
    if await add_to_description(message, state, lang, message.text or "", keyboards.confirm(lang)):
        await ask_confirmation(message, state, ctx, lang)


@handlers.message(ReportForm.confirm)
async def report_confirm_other(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await ask_confirmation(message, state, ctx, lang)


@handlers.callback_query(ReportForm.confirm, F.data == "report:send")
async def report_send(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str,
                      linked: service.ChatUser | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    data = await state.get_data()
    if "key" not in data or "lat" not in data:
        # the other tap of a double tap filed it meanwhile, or the draft's data expired before its state (Redis
        # keeps the two under their own TTLs, and the state was written last)
        await _draft_gone(message, state, data, lang)
        return
    user = await citizen_of(ctx, linked, callback.from_user, message.chat.id, lang)
    try:
        stored = await service.file_report(
            ctx, citizen_id=user.citizen_id, text=data["text"], lat=data["lat"], lon=data["lon"],
            accuracy_m=data.get("accuracy"), media_ids=(await service.draft_media(ctx, data["key"]))[:MAX_FILES],
            language=lang, idempotency_key=f"telegram:{data['key']}",
        )
    except ZanError as exc:
        # the draft (text, place, files) is kept: a citizen reporting an offence must not have to write it all again
        # because the service failed once. The idempotency key stays too, so a retry cannot file it twice.
        reason = pick(ERRORS.get(exc.code, ERRORS["internal"]), lang).rstrip(".")
        log.info("telegram report not filed: %s", exc.code)
        if exc.code == "report.outside_kazakhstan":
            await state.set_state(ReportForm.location)
            await message.answer(t("report_location_outside", lang), reply_markup=keyboards.send_location(lang))
            return
        await message.answer(t("report_retry", lang, reason=reason), reply_markup=keyboards.confirm(lang))
        return
    # the draft's data is replaced in one write (never empty in between: a concurrent second tap reading it then
    # would hear "expired"), so the buttons of this conversation are told apart from those of an expired one
    await state.set_data({FILED_SINCE: data.get("since", 0)})
    await state.set_state(None)
    await service.forget_draft(ctx, data["key"])
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            # both taps of a double tap got the same stored answer (one idempotency key); Telegram applies one
            # removal of the buttons, and the tap whose removal came second stays silent: one "registered" message
            return
        log.info("confirmation buttons not removed: %s", exc.message)
    body = stored.body
    text = t("report_filed", lang, number=body["number"], deadline=local_date_iso(body["deadline_at"]))
    if body.get("routing", {}).get("urgent"):
        text = t("urgent_banner", lang) + "\n\n" + text
    await message.answer(text, reply_markup=keyboards.main_menu(lang))


@handlers.callback_query(F.data == "report:cancel")
async def report_cancel(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await drop_draft(state, ctx)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(t("cancelled", lang), reply_markup=keyboards.main_menu(lang))


@handlers.callback_query(F.data.startswith("report:"))
async def report_stale_button(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    """A button of another step or of a conversation that is over: acknowledged so the client stops spinning.

    Within a conversation (a second tap on "Done") or on the report just filed (the other tap of a double tap on
    "Send") that is all. With no conversation at all — it expired after a day, was cancelled, or its state was
    lost — the citizen is told that nothing was sent: a "Send" that answers nothing looks like a report filed."""
    await callback.answer()
    message = callback.message
    if isinstance(message, Message) and await state.get_state() is None:
        await _draft_gone(message, state, await state.get_data(), lang)


async def _draft_gone(message: Message, state: FSMContext, data: dict[str, Any], lang: str) -> None:
    """A button of `message` needs a draft that is no longer there: silent if it belongs to the report just filed
    (the other tap of a double tap), else the citizen hears that nothing was sent, with the menu to start again."""
    filed_since = data.get(FILED_SINCE)
    if filed_since is not None and message.message_id > int(filed_since):
        return
    await state.set_state(None)  # a state left without its data would swallow the next tap the same way
    await message.answer(t("report_expired", lang), reply_markup=keyboards.main_menu(lang))
