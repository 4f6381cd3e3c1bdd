"""aiogram handlers of the citizen bot: thin adapters from Telegram updates to `bots.citizen.service`.

Every handler gets `ctx` (the process Context, from the Dispatcher's workflow data) and `lang` (the chat's chosen
language, or the user's Telegram language until they choose) from `LanguageMiddleware`.

The bot serves private chats only (`PrivateChatOnly`): a citizen is found by the chat, and in a group every member
would read — and file as — the citizen linked to that chat, and the group would see their reports and pushes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject

from backend.context import Context
from backend.lib.errors import ZanError
from backend.lib.i18n import pick
from backend.lib.messages import ERRORS
from backend.media.service import KINDS, MAX_PER_REPORT, kind_of
from backend.reports.service import local_date
from backend.reports.views import citizen_status
from bots.citizen import keyboards, service
from bots.citizen.answers import format_answer
from bots.citizen.texts import all_languages, normalize_lang, t

log = logging.getLogger("zan.bots.citizen")
MAX_FILES = MAX_PER_REPORT
# the Bot API lets a bot download files of at most 20 MB; each kind's own limit (photo 10 MB) applies below that
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024
ACCEPTED_TYPES = frozenset(ct for kind in KINDS if kind.name in ("photo", "video") for ct in kind.content_types)
ALBUM_SETTLE_S = 1.0  # Telegram delivers an album's updates within a fraction of a second of each other
MIN_REPORT_TEXT = 5
MAX_REPORT_TEXT = 5000
# the confirmation quotes the description; the whole of it plus the template could exceed Telegram's 4096 characters
CONFIRM_QUOTE_CHARS = 1000
# the menu's "Legal question" button while a report is being written: a button's label is not part of the description
NOT_DESCRIPTION = frozenset(all_languages("btn_ask"))
PART_SEPARATOR = "\n\n"  # between the description and words the citizen added later


class ReportForm(StatesGroup):
    text = State()
    location = State()
    photo = State()
    confirm = State()


class PrivateChatOnly(BaseMiddleware):
    """Refuses every update from a group, supergroup or channel before any handler (or the chat's link) is read."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        user = data.get("event_from_user")
        lang = normalize_lang(user.language_code if user else None)  # never the group's link: that is the leak
        if isinstance(event, CallbackQuery):
            await event.answer(t("private_only", lang), show_alert=True)
        elif isinstance(event, Message) and (event.text or event.caption):
            # with Telegram's default privacy mode a bot gets only what is addressed to it (commands, replies,
            # mentions) plus service messages; it answers the former and stays silent on joins and leaves
            await event.answer(t("private_only", lang))
        return None


class LanguageMiddleware(BaseMiddleware):
    """Puts the chat's language into handler data: the one chosen in /start, else the Telegram client's."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx: Context = data["ctx"]
        chat = data.get("event_chat")
        user = data.get("event_from_user")
        linked = await service.chat_user(ctx, chat.id) if chat is not None else None
        data["lang"] = linked.language if linked else normalize_lang(user.language_code if user else None)
        data["linked"] = linked
        return await handler(event, data)


class _Handlers:
    """Handlers registered in module order; `build_router` attaches them to a fresh Router (an aiogram Router
    belongs to one Dispatcher, and a process may run several: webhook app, polling CLI, tests)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, tuple[Any, ...], Callable[..., Any]]] = []

    def _on(self, kind: str, filters: tuple[Any, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.items.append((kind, filters, handler))
            return handler

        return register

    def message(self, *filters: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._on("message", filters)

    def callback_query(self, *filters: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._on("callback_query", filters)

    def edited_message(self, *filters: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._on("edited_message", filters)


router = _Handlers()


def build_router() -> Router:
    """A new Router with every citizen-bot handler and the language middleware."""
    built = Router(name="citizen")
    for observer in (built.message, built.edited_message, built.callback_query):
        observer.outer_middleware(PrivateChatOnly())  # first registered runs first: before the link is looked up
        observer.outer_middleware(LanguageMiddleware())
    for kind, filters, handler in router.items:
        getattr(built, kind).register(handler, *filters)
    from bots.citizen.notify import membership_changed  # notify → runtime → this module: imported when built

    built.my_chat_member.register(membership_changed)  # blocked / unblocked: no language or link lookup needed
    return built


async def _citizen(ctx: Context, message: Message, lang: str, linked: service.ChatUser | None) -> service.ChatUser:
    """The chat's citizen, linked on first use (a user may file a report without pressing /start)."""
    if linked is not None:
        return linked
    assert message.from_user is not None
    return await service.link_chat(ctx, user_id=message.from_user.id, chat_id=message.chat.id, language=lang)


# -- start, language, menu -------------------------------------------------------------------------------------------
@router.message(CommandStart())
@router.message(Command("language"))
@router.message(F.text.in_(all_languages("btn_language")))
async def start(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(t("choose_language", "kk") + "\n" + t("choose_language", "ru") + "\n"
                         + t("choose_language", "en"), reply_markup=keyboards.languages())


@router.callback_query(F.data.startswith("lang:"))
async def choose_language(callback: CallbackQuery, ctx: Context) -> None:
    lang = normalize_lang((callback.data or "").split(":", 1)[1])
    message = callback.message
    await callback.answer()
    if not isinstance(message, Message):
        return
    await service.link_chat(ctx, user_id=callback.from_user.id, chat_id=message.chat.id, language=lang, chosen=True)
    await message.answer(t("welcome", lang), reply_markup=keyboards.main_menu(lang))


@router.message(Command("cancel"))
@router.message(F.text.in_(all_languages("btn_cancel")))
async def cancel(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await _drop_draft(state, ctx)
    await message.answer(t("cancelled", lang), reply_markup=keyboards.main_menu(lang))


@router.message(StateFilter(None), F.text.in_(all_languages("btn_ask")))
async def ask_prompt(message: Message, lang: str) -> None:
    await message.answer(t("ask_prompt", lang))


# -- my reports ------------------------------------------------------------------------------------------------------
@router.message(Command("reports"))
@router.message(F.text.in_(all_languages("btn_my_reports")))
async def my_reports(message: Message, ctx: Context, lang: str, linked: service.ChatUser | None) -> None:
    user = await _citizen(ctx, message, lang, linked)
    reports = await service.recent_reports(ctx, user.citizen_id)
    if not reports:
        await message.answer(t("no_reports", lang))
        return
    lines = [t("my_reports", lang)]
    for report in reports:
        _, names = citizen_status(report.status)
        lines.append(t("report_line", lang, number=report.number, status=pick(names, lang),
                       date=local_date(report.created_at)))
    await message.answer("\n".join(lines))


@router.callback_query(F.data.startswith("update:"))
async def show_update(callback: CallbackQuery, ctx: Context, lang: str, linked: service.ChatUser | None) -> None:
    """"Show" under a restricted report's discreet update (bots.citizen.notify): the citizen chose to read it now,
    so the message itself becomes the number, the state and the public text. Edited in place, not sent anew: an
    edit raises no notification on the citizen's other devices."""
    from bots.citizen.notify import SHOW_UPDATE, update_text  # notify imports runtime, which imports this module

    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    event_id = (callback.data or "").removeprefix(SHOW_UPDATE)
    text = await update_text(ctx, event_id, linked.citizen_id, lang) if linked is not None else None
    if text is None:
        await message.answer(t("update_unavailable", lang))
        return
    try:
        await message.edit_text(text, reply_markup=None)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:  # a second tap or a re-delivered update: it already shows the details
            return
        # a message Telegram no longer lets the bot edit: the details in a new one
        log.info("discreet update not edited: %s", exc.message)
        await message.answer(text)


async def _drop_draft(state: FSMContext, ctx: Context) -> None:
    key = (await state.get_data()).get("key")
    await state.clear()
    if key:
        await service.forget_draft(ctx, str(key))


# -- report an offence -----------------------------------------------------------------------------------------------
async def _start_report(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    # one idempotency key per conversation: a double tap on "Send" or a re-delivered update files it once
    # `since`: messages of this chat are numbered in order, so an edit of a message older than this one (a question
    # asked before the report was started) is not taken for the description
    await state.set_data({"key": uuid.uuid4().hex, "since": message.message_id})
    await state.set_state(ReportForm.text)
    await message.answer(t("report_text", lang))


@router.message(Command("report"))
@router.message(F.text.in_(all_languages("btn_report")))
async def report_start(message: Message, state: FSMContext, lang: str) -> None:
    await _start_report(message, state, lang)


@router.callback_query(F.data == "report:start")
async def report_start_button(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await _start_report(callback.message, state, lang)


@router.edited_message(ReportForm.text, F.text, ~F.text.in_(NOT_DESCRIPTION))
async def report_text_edited(message: Message, state: FSMContext, lang: str) -> None:
    """A too-short description ("ой") corrected in place is the description; older messages are not."""
    if message.message_id > int((await state.get_data()).get("since") or 0):
        await report_text(message, state, lang)


@router.message(ReportForm.text, F.text, ~F.text.in_(NOT_DESCRIPTION))
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


@router.message(ReportForm.text)
async def report_text_missing(message: Message, lang: str) -> None:
    """A photo, sticker or voice note where the description is expected: said, not silently ignored."""
    await message.answer(t("report_text_need_words", lang))


@router.message(ReportForm.location, F.location)
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


@router.message(ReportForm.location)
async def report_location_missing(message: Message, lang: str) -> None:
    await message.answer(t("report_need_location", lang), reply_markup=keyboards.send_location(lang))


@dataclass(frozen=True)
class _Incoming:
    file_id: str
    file_unique_id: str
    size: int | None
    content_type: str


def _incoming(message: Message) -> _Incoming | None:
    """The file a message carries, if it is one a report takes: a photo, a video, or either sent as a file (a photo
    sent as a file keeps its EXIF time and place, which Telegram strips from compressed photos)."""
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram made
        return _Incoming(photo.file_id, photo.file_unique_id, photo.file_size, "image/jpeg")
    if message.video:
        video = message.video
        return _Incoming(video.file_id, video.file_unique_id, video.file_size, video.mime_type or "video/mp4")
    document = message.document
    if document is not None and (document.mime_type or "") in ACCEPTED_TYPES:
        return _Incoming(document.file_id, document.file_unique_id, document.file_size, str(document.mime_type))
    return None


def in_kazakhstan(ctx: Context, lat: float, lon: float) -> bool:
    """The point as intake accepts it (backend.routing.service.assess_intake): inside a district or the border's
    tolerance."""
    from backend.routing.service import district_index

    return district_index(ctx).locate_accepted(lat, lon) is not None


async def _add_to_description(message: Message, state: FSMContext, lang: str, addition: str,
                              reply_markup: Any = None) -> bool:
    """Append what the citizen wrote after the description step (a caption, a later message) to the description:
    their words are evidence too and must not vanish. False (and said so) when it would pass the limit."""
    addition = addition.strip()
    if not addition:
        return False
    data = await state.get_data()
    text = str(data.get("text") or "")
    combined = f"{text}{PART_SEPARATOR}{addition}" if text else addition
    if len(combined) > MAX_REPORT_TEXT:
        await message.answer(t("report_text_full", lang, max=MAX_REPORT_TEXT), reply_markup=reply_markup)
        return False
    parts = [*data.get("parts", []), [message.message_id, addition]]
    await state.update_data(text=combined, parts=parts)
    return True


@router.edited_message(StateFilter(ReportForm.location, ReportForm.photo, ReportForm.confirm))
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
        await _ask_confirmation(message, state, ctx, lang)  # the confirmation on screen quotes the old words
        return
    # the step's own buttons again, so the conversation goes on from this message
    markup = keyboards.photos_done(lang) if step == ReportForm.photo.state else keyboards.send_location(lang)
    await message.answer(t("report_text_corrected", lang), reply_markup=markup)


@router.message(StateFilter(ReportForm.photo, ReportForm.confirm), F.photo | F.video | F.document)
async def report_media(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> None:
    key = str((await state.get_data())["key"])
    if await state.get_state() == ReportForm.confirm.state:
        # a file sent after the confirmation was shown: taken, and the files step (and its "Done") is back
        await state.set_state(ReportForm.photo)
    if message.caption and await _add_to_description(message, state, lang, message.caption):
        await message.answer(t("report_text_added", lang))
    incoming = _incoming(message)
    if incoming is None or (incoming.size or 0) > min(kind_of(incoming.content_type).max_bytes, BOT_DOWNLOAD_LIMIT):
        await message.answer(t("report_photo_bad", lang), reply_markup=keyboards.photos_done(lang))
        return
    if await service.has_draft_media(ctx, key, incoming.file_unique_id):
        return  # a re-delivered update: already taken and answered
    if len(await service.draft_media(ctx, key)) >= MAX_FILES:
        await message.answer(t("report_photo_limit", lang, max=MAX_FILES), reply_markup=keyboards.photos_done(lang))
        return
    user = await _citizen(ctx, message, lang, linked)
    try:
        buffer = await bot.download(incoming.file_id)
    except TelegramBadRequest as exc:
        # a file whose message did not say its size (Telegram's file_size is optional) and that is over the Bot
        # API's 20 MB: the file's fault, said as such, not "the service is unavailable, try again"
        log.info("telegram file not downloaded: %s", exc.message)
        await message.answer(t("report_photo_bad", lang), reply_markup=keyboards.photos_done(lang))
        return
    data = buffer.read() if buffer is not None else b""
    try:
        added = await service.add_draft_media(ctx, draft_key=key, file_unique_id=incoming.file_unique_id,
                                              citizen_id=user.citizen_id, data=data,
                                              content_type=incoming.content_type)
    except ZanError as exc:
        log.info("telegram file refused: %s", exc.code)
        # a 5xx (`media.store_unavailable` while S3 is down) is our fault, not the file's: "wrong file" would make
        # the citizen give up a good photo of the scene instead of sending it again once the store is back
        text = "report_photo_store_down" if exc.status >= 500 else "report_photo_bad"
        await message.answer(t(text, lang), reply_markup=keyboards.photos_done(lang))
        return
    if added is None:
        return
    if message.media_group_id:
        # an album comes as one update per file, all at once: only the file that arrives last answers, once the
        # album has settled, so the citizen gets one reply with the total instead of one per file
        await asyncio.sleep(ALBUM_SETTLE_S)
    files = await service.draft_media(ctx, key)
    if message.media_group_id and files[-1] != added:
        return
    count = len(files)
    if count >= MAX_FILES:
        await _ask_confirmation(message, state, ctx, lang)
        return
    await message.answer(t("report_photo_added", lang, count=count, max=MAX_FILES),
                         reply_markup=keyboards.photos_done(lang))


@router.message(ReportForm.photo, F.text, ~F.text.startswith("/"), ~F.text.in_(NOT_DESCRIPTION))
async def report_photo_text(message: Message, state: FSMContext, lang: str) -> None:
    """More words at the files step ("he had a knife"): added to the description, not dropped."""
    if await _add_to_description(message, state, lang, message.text or "", keyboards.photos_done(lang)):
        await message.answer(t("report_text_added", lang), reply_markup=keyboards.photos_done(lang))


@router.message(ReportForm.photo)
async def report_photo_other(message: Message, lang: str) -> None:
    """A sticker, voice note or location at the files step: said what is expected, not silently ignored."""
    await message.answer(t("report_photo_hint", lang), reply_markup=keyboards.photos_done(lang))


@router.callback_query(ReportForm.photo, F.data.in_({"report:skip", "report:photos_done"}))
async def report_photos_done(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await _ask_confirmation(callback.message, state, ctx, lang)


async def _ask_confirmation(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    data = await state.get_data()
    await state.set_state(ReportForm.confirm)
    files = len(await service.draft_media(ctx, str(data["key"])))
    # only the quote is shortened: the full description stays in the FSM data and is what gets filed
    text = t("report_confirm", lang, text=shortened(str(data["text"]), CONFIRM_QUOTE_CHARS), lat=data["lat"],
             lon=data["lon"], photos=min(files, MAX_FILES))
    if files > MAX_FILES:
        # an album's files arrive at once and are all stored before any sees the limit: say which ones go with the
        # report instead of dropping the rest without a word
        text = t("report_files_over_limit", lang, max=MAX_FILES, extra=files - MAX_FILES) + "\n\n" + text
    await message.answer(text, reply_markup=keyboards.confirm(lang))


@router.message(ReportForm.confirm, F.text, ~F.text.startswith("/"), ~F.text.in_(NOT_DESCRIPTION))
async def report_confirm_text(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """Words written instead of tapping "Send": added to the description, and the confirmation shows them."""
    if await _add_to_description(message, state, lang, message.text or "", keyboards.confirm(lang)):
        await _ask_confirmation(message, state, ctx, lang)


@router.message(ReportForm.confirm)
async def report_confirm_other(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await _ask_confirmation(message, state, ctx, lang)


def shortened(text: str, limit: int) -> str:
    """`text` as it is, or its first `limit` characters cut at a word boundary, with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 2]  # room for " …"
    cut = head.rsplit(maxsplit=1)[0] if " " in head.strip() else head
    return cut.rstrip() + " …"


@router.callback_query(ReportForm.confirm, F.data == "report:send")
async def report_send(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str,
                      linked: service.ChatUser | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    data = await state.get_data()
    if "key" not in data or "lat" not in data:
        return  # the other tap of a double tap filed it and cleared the conversation meanwhile
    user = linked or await service.link_chat(ctx, user_id=callback.from_user.id, chat_id=message.chat.id,
                                             language=lang)
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
    await state.clear()
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


@router.callback_query(F.data == "report:cancel")
async def report_cancel(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await _drop_draft(state, ctx)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(t("cancelled", lang), reply_markup=keyboards.main_menu(lang))


@router.callback_query(F.data.startswith("report:"))
async def report_stale_button(callback: CallbackQuery) -> None:
    """A button of a finished or expired conversation: acknowledge it so the client stops spinning."""
    await callback.answer()


# -- legal questions (any other text) ---------------------------------------------------------------------------------
@router.message(StateFilter(None), F.text, ~F.text.startswith("/"))
async def legal_question(message: Message, bot: Bot, ctx: Context, lang: str,
                         linked: service.ChatUser | None) -> None:
    from backend.legal import service as legal

    # Only a language the user picked in /start (or /language) is a choice. Otherwise `lang` is the phone's interface
    # language, which says nothing of the language the person writes in: an English phone asking in Russian gets a
    # Russian answer (language=None: the question's own). A chat linked by filing a report, attaching media or
    # opening /reports without /start has a link holding that interface language, with `language_chosen` false.
    chosen = linked.language if linked is not None and linked.language_chosen else None
    question = (message.text or "")[:2000]
    wait = await service.legal_wait(ctx, message.chat.id)
    if wait is not None:
        # over the chat's limit only the emergency lead is given (it takes no legal slot): an urgent question is
        # never refused, yet urgent words cannot carry a flood past the limit to the slots
        urgent = await service.urgent_answer(question, chosen)
        if urgent is None:
            await message.answer(t("legal_rate_limited", lang, minutes=max(1, math.ceil(wait / 60))))
            return
        answer = urgent
    else:
        await bot.send_chat_action(message.chat.id, "typing")
        try:
            answer = await legal.ask(ctx, question=question, language=chosen)
        except ZanError:
            await message.answer(t("legal_unavailable", lang))
            return
    # the headings and the button around the answer in the answer's language, not a mix of two
    reply_lang = chosen or normalize_lang(answer.language)
    offer = answer.urgent or answer.suggested_action == "report"
    await message.answer(format_answer(answer, reply_lang),
                         reply_markup=keyboards.offer_report(reply_lang) if offer else None)


@router.message(StateFilter(None))
async def fallback(message: Message, lang: str) -> None:
    await message.answer(t("ask_prompt", lang), reply_markup=keyboards.main_menu(lang))


# -- anything that failed ---------------------------------------------------------------------------------------------
async def unexpected_error(event: ErrorEvent, bot: Bot, ctx: Context) -> None:
    """The dispatcher's error handler: an update that failed anywhere (a handler, a middleware, the FSM storage)
    still gets a reply. The webhook has already answered Telegram, so it will not be delivered again; without this
    the citizen — possibly reporting an emergency — would hear nothing at all."""
    log.error("citizen bot update %s failed", event.update.update_id, exc_info=event.exception)
    context = UserContextMiddleware.resolve_event_context(event.update)
    chat = context.chat
    callback = event.update.callback_query
    if callback is not None:
        # stop the button's spinner; the handler may have answered the query already, which Telegram refuses
        with contextlib.suppress(TelegramAPIError):
            await bot.answer_callback_query(callback.id)
    if chat is None or chat.type != ChatType.PRIVATE:
        return  # never in a group (see PrivateChatOnly), and an update without a chat has no one to tell
    lang = await _error_language(ctx, chat.id, context.user.language_code if context.user else None)
    await bot.send_message(chat.id, t("bot_unavailable", lang))


async def _error_language(ctx: Context, chat_id: int, telegram_language: str | None) -> str:
    """The chat's chosen language if the database still answers, else the Telegram client's."""
    try:
        linked = await service.chat_user(ctx, chat_id)
    except Exception:  # the failure being reported may be the database itself: the apology must not depend on it
        linked = None
    return linked.language if linked else normalize_lang(telegram_language)


def local_date_iso(value: Any) -> str:
    from datetime import datetime

    return local_date(datetime.fromisoformat(value) if isinstance(value, str) else value)
