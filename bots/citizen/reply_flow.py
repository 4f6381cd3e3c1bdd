"""The citizen answers a request for information ("needs your input") on their report.

Staff ask with `POST /api/v1/dispatch/reports/{id}/request-info`; the status message (bots.citizen.notify) and
/reports (follow_up) then carry a "Reply" button (REPLY + the report's id). Tapping it opens the answer: the chat's next
words (a captioned photo or video's caption, with files sent before it) become a comment on the report through the
comments API's own code (service.comment_on_report), which puts the report back in work. A report that is not the
citizen's, is closed or was withdrawn is refused in the chat's language, as the API refuses it.

Each message is commented once: its idempotency key is the chat and message id, so a redelivered update (or a retry
after the confirmation failed to send) gets the first comment's answer, never a second comment. A file is stored once
per Telegram file (REPLY_FILES), so a redelivery sends the same request body and is not taken for another one.

FSM data of an answer: REPLY_TO (the report's id), REPLY_NUMBER (its number), REPLY_FILES ({file_unique_id: media id}),
REPLY_ALBUMS ({media_group_id: the album's last file through and its captions}: an album is answered once, a captioned
one commented with all its files) and REPLY_BACK (the state the chat was in, e.g. a report being written, restored
when the answer is sent or cancelled: tapping "Reply" mid-report does not lose the draft). /cancel and the menu's
"Cancel" end the answer only (`cancelling`, attached before the report flow's, which would drop the paused draft too),
as the inline "Cancel" does. "Report", /start and /language end the answer with its files deleted, then do what they
do anywhere (`cancelling` too, attached before the commands: they clear the chat, which would leave the answer's files
to the unused-media purge).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiogram import Bot, F
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from backend.context import Context
from backend.lib.errors import ZanError
from backend.lib.i18n import pick
from backend.media.service import MAX_PER_REPORT, kind_of
from backend.reports.workflow import Resolution
from bots.chats import TELEGRAM_LIMIT, fit, telegram_length
from bots.citizen import albums, commands, keyboards, service
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.report_asked import start_or_ask, start_or_resume
from bots.citizen.report_draft import (
    BOT_DOWNLOAD_LIMIT,
    WORDS,
    drop_draft,
    incoming,
)
from bots.citizen.report_files import store_file
from bots.citizen.stacked import REPLY_BACK, stack, unstack
from bots.citizen.texts import all_languages, t

log = logging.getLogger("zan.bots.citizen")
handlers = Handlers()
# attached before the commands and the report flow (bots.citizen.handlers), whose /start, /language, /cancel, "Cancel"
# and "Report" drop the whole FSM data: during an answer they end the answer (its files deleted) first, and /cancel
# and "Cancel" give the paused report draft back
cancelling = Handlers()

REPLY = "reply:"  # callback data prefix of the "Reply" button, followed by the report's id
CANCEL = "reply:cancel"
REPLY_TO, REPLY_NUMBER, REPLY_FILES = "reply_to", "reply_number", "reply_files"
REPLY_ALBUMS = "reply_albums"


class ReplyForm(StatesGroup):
    text = State()


def reply_button(report_id: uuid.UUID, lang: str, number: str | None = None) -> InlineKeyboardButton:
    """"Reply" (or, in a list of reports, "Reply on No. X") for a report awaiting its citizen's information."""
    text = t("btn_reply_to", lang, number=number) if number else t("btn_reply", lang)
    return InlineKeyboardButton(text=text, callback_data=f"{REPLY}{report_id}")


def reply_markup(report_id: uuid.UUID, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[reply_button(report_id, lang)]])


def _cancel(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t("btn_cancel", lang),
                                                                       callback_data=CANCEL)]])


async def _refusal(ctx: Context, exc: ZanError, report_id: uuid.UUID, lang: str) -> str:
    """The chat's words for the API's refusal of a comment; the rest (a 5xx) goes on to the error handler. A closed
    report is named (it is the citizen's: the API checks that first), one not theirs is not."""
    if exc.code == "report.not_found":
        return t("reply_not_found", lang)
    if exc.code in ("report.transition_forbidden", "report.already_closed"):
        resolution, number = await service.closed_as(ctx, report_id)
        return t("reply_withdrawn" if resolution == Resolution.WITHDRAWN else "reply_closed", lang, number=number)
    if exc.code == "validation.failed":
        return t("reply_empty", lang)
    if exc.code == "media.too_many":
        return t("reply_files_limit", lang, max=MAX_PER_REPORT)
    raise exc


def _chat_of(callback: CallbackQuery) -> int:
    """The chat a button was tapped in: its message's, even one no longer accessible (a status message days old
    may be); a private chat's id is its user's."""
    return callback.message.chat.id if callback.message is not None else callback.from_user.id


@handlers.callback_query(F.data == CANCEL)
async def reply_cancel(callback: CallbackQuery, state: FSMContext, bot: Bot, ctx: Context, lang: str) -> None:
    await callback.answer()
    back = None
    if await state.get_state() == ReplyForm.text.state:
        back = await _end(state, ctx, discard=True)
    await bot.send_message(_chat_of(callback), _cancelled(back, lang))


@cancelling.message(ReplyForm.text, Command("cancel"))
@cancelling.message(ReplyForm.text, F.text.in_(all_languages("btn_cancel")))
async def reply_cancel_typed(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """/cancel or the menu's "Cancel" during an answer: the answer ends, as with its inline "Cancel"; a report draft
    paused for it is back, not dropped with it."""
    back = await _end(state, ctx, discard=True)
    # the menu only with no draft back: a draft's step may show a keyboard of its own (the location's)
    await message.answer(_cancelled(back, lang), reply_markup=None if back else keyboards.main_menu(lang))


@cancelling.message(ReplyForm.text, Command("report"))
@cancelling.message(ReplyForm.text, F.text.in_(all_languages("btn_report")))
async def reply_then_report(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Report" during an answer: the answer ends with its files deleted (a new report's start drops only the
    draft's), and a report is started as from anywhere else (a report draft paused for the answer is back, and the
    citizen asked whether to go on with it or start again)."""
    await _end(state, ctx, discard=True)
    await start_or_ask(message, state, ctx, lang)


@cancelling.message(ReplyForm.text, CommandStart())
async def reply_then_start(message: Message, state: FSMContext, ctx: Context) -> None:
    """/start during an answer: the answer ends with its files deleted (the start's clearing of the chat would leave
    them to the unused-media purge), then the language is asked as from anywhere else, a report draft paused for the
    answer abandoned as /start abandons one."""
    await _end(state, ctx, discard=True)
    await commands.start(message, state, ctx)


@cancelling.message(ReplyForm.text, Command("language"))
@cancelling.message(ReplyForm.text, F.text.in_(all_languages("btn_language")))
async def reply_then_language(message: Message, state: FSMContext, ctx: Context) -> None:
    """/language or the menu's "Language" during an answer: the answer ends with its files deleted, then the
    language is asked as from anywhere else; a report draft paused for the answer is back, as the choice keeps one."""
    await _end(state, ctx, discard=True)
    await commands.choose(message)


@cancelling.callback_query(ReplyForm.text, F.data == "report:start")
async def reply_then_report_button(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"File a report" under an earlier legal answer, tapped during an answer: the answer ends with its files
    deleted, and a report starts, or the draft paused for the answer goes on (as the button does anywhere)."""
    await callback.answer()
    await _end(state, ctx, discard=True)
    if isinstance(callback.message, Message):
        await start_or_resume(callback.message, state, ctx, lang)


@cancelling.callback_query(ReplyForm.text, F.data == "report:cancel")
async def reply_then_drop_draft(callback: CallbackQuery, state: FSMContext, bot: Bot, ctx: Context, lang: str) -> None:
    """The inline "Cancel" of the report draft paused for the answer, tapped during it: the citizen gives up the
    draft, and the answer it waits on ends with it: the answer's files deleted at once, the draft's dropped from it
    (they go as unused media, as with the draft's "Cancel" anywhere)."""
    await callback.answer()
    await _end(state, ctx, discard=True)
    await drop_draft(state, ctx)
    await bot.send_message(_chat_of(callback), t("cancelled", lang), reply_markup=keyboards.main_menu(lang))


def _cancelled(back: str | None, lang: str) -> str:
    return t("cancelled", lang) + (" " + t("reply_draft_kept", lang) if back else "")


@handlers.callback_query(F.data.startswith(REPLY))
async def reply_start(callback: CallbackQuery, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                      linked: service.ChatUser | None) -> None:
    """"Reply": the report is checked now (theirs and open) so a refusal comes before the citizen writes anything."""
    await callback.answer()
    chat_id = _chat_of(callback)
    try:
        report_id = uuid.UUID((callback.data or "").removeprefix(REPLY))
    except ValueError:
        await bot.send_message(chat_id, t("reply_not_found", lang))
        return
    user = await citizen_of(ctx, linked, callback.from_user, chat_id, lang)
    try:
        report = await service.reply_target(ctx, user.citizen_id, report_id)
    except ZanError as exc:
        await bot.send_message(chat_id, await _refusal(ctx, exc, report_id, lang))
        return
    # "Reply" to another report during an answer: the files kept for the answer left are deleted
    await stack(state, ReplyForm.text, REPLY_BACK, {REPLY_TO: str(report.id), REPLY_NUMBER: report.number,
                                                    REPLY_FILES: {}, REPLY_ALBUMS: {}},
                lambda data: _discard(ctx, data))
    question = (await service.questions(ctx, [report])).get(report.id)
    prompt = t("reply_prompt", lang, number=report.number)
    if question is not None and question.public_text:
        # staff's question is whole to the API at 2,000 characters, which emoji make 4,000 of Telegram's units: it is
        # cut to the room the prompt under it (what to do) leaves
        room = TELEGRAM_LIMIT - telegram_length(prompt) - 2
        prompt = f"{fit(pick(question.public_text, lang), room)}\n\n{prompt}"
    await bot.send_message(chat_id, prompt, reply_markup=_cancel(lang))


@handlers.message(ReplyForm.text, *WORDS)
async def reply_text(message: Message, state: FSMContext, ctx: Context, lang: str,
                     linked: service.ChatUser | None) -> None:
    await _comment(message, state, ctx, lang, linked, message.text or "")


@handlers.message(ReplyForm.text, F.photo | F.video | F.video_note | F.voice | F.audio | F.document)
async def reply_file(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                     linked: service.ChatUser | None) -> None:
    """A photo, video or audio file for the answer: with a caption it is the answer (sent at once, with the files
    before it), without one it is kept for the words that follow. A voice message is an answer in itself (the citizen
    said it, and may not be able to type it): sent at once, with words saying what it is, as the comments API takes
    audio as any file and wants words with it."""
    file = incoming(message)
    if file is None or (file.size or 0) > min(kind_of(file.content_type).max_bytes, BOT_DOWNLOAD_LIMIT):
        await message.answer(t("reply_file_bad", lang), reply_markup=_cancel(lang))
        return
    files: dict[str, str] = dict((await state.get_data()).get(REPLY_FILES) or {})
    if file.file_unique_id not in files:  # else: a redelivered update, the file is stored already
        user = await citizen_of(ctx, linked, message.from_user, message.chat.id, lang)
        stored = await store_file(bot, ctx, file, user.citizen_id)
        if isinstance(stored, str):  # refused, or the store is down: said so
            said = "reply_file_store_down" if stored == "report_photo_store_down" else "reply_file_bad"
            await message.answer(t(said, lang), reply_markup=_cancel(lang))
            return
        files[file.file_unique_id] = str(stored)
        await state.update_data({REPLY_FILES: files})
    if message.media_group_id:  # before the caption: an album's caption is the answer once all its files are in
        await _album_file_kept(message, state, ctx, lang, linked, str(message.media_group_id), file.file_unique_id)
        return
    if message.caption:
        await _comment(message, state, ctx, lang, linked, message.caption)
        return
    if message.voice:
        await _comment(message, state, ctx, lang, linked, t("reply_voice_comment", lang))
        return
    await message.answer(t("reply_file_kept", lang, count=len(files)), reply_markup=_cancel(lang))


async def _album_file_kept(message: Message, state: FSMContext, ctx: Context, lang: str,
                           linked: service.ChatUser | None, album: str, file_unique_id: str) -> None:
    """An album comes as one update per file, all at once, each stored in turn (the chat held): only the last file
    through answers, once the album has settled (bots.citizen.albums), as the report's steps answer an album once.
    With a caption the album is the answer, sent with all its files (not with those stored before the caption's file
    only, the rest falling to wherever the chat goes next); without one, the total is said."""
    reply_to = (await state.get_data()).get(REPLY_TO)
    caption = {str(message.message_id): message.caption} if message.caption else {}
    entry = await albums.last_through(
        state, REPLY_ALBUMS, album, file_unique_id,
        fold=lambda kept: {**kept, "captions": {**dict(kept.get("captions") or {}), **caption}} if caption else kept,
        # the same answer: not sent or cancelled meanwhile, nor another report's opened
        still=lambda current, data: current == ReplyForm.text.state and data.get(REPLY_TO) == reply_to)
    if entry is None:
        return
    captions = {int(message_id): str(text) for message_id, text in dict(entry.get("captions") or {}).items()}
    if captions:
        # the entry stays until the answer ends: should the confirmation fail, the redelivered update comments again
        # under the same key (the first captioned message's), which replays the first comment
        first = min(captions)
        await _comment(message, state, ctx, lang, linked, "\n\n".join(captions[i] for i in sorted(captions)),
                       key_message_id=first)
        return
    await albums.forget(state, REPLY_ALBUMS, album)
    count = len(dict((await state.get_data()).get(REPLY_FILES) or {}))
    await message.answer(t("reply_files_kept", lang, count=count), reply_markup=_cancel(lang))


@handlers.message(ReplyForm.text)
async def reply_other(message: Message, lang: str) -> None:
    """A sticker or location while an answer is expected: said what is, not taken for the answer."""
    await message.answer(t("reply_hint", lang), reply_markup=_cancel(lang))


async def _comment(message: Message, state: FSMContext, ctx: Context, lang: str, linked: service.ChatUser | None,
                   text: str, *, key_message_id: int | None = None) -> None:
    """`text` (with the files kept) as the comment; idempotent per message (`key_message_id`: the message whose
    update stands for the answer, when another one's carries it: an album's caption)."""
    data = await state.get_data()
    report_id, number = uuid.UUID(str(data[REPLY_TO])), str(data.get(REPLY_NUMBER) or "")
    user = await citizen_of(ctx, linked, message.from_user, message.chat.id, lang)
    media_ids = [uuid.UUID(m) for m in dict(data.get(REPLY_FILES) or {}).values()]
    key = f"telegram:{message.chat.id}:{key_message_id or message.message_id}"
    try:
        await service.comment_on_report(ctx, citizen_id=user.citizen_id, report_id=report_id, text=text,
                                        media_ids=media_ids, idempotency_key=key)
    except ZanError as exc:
        refusal = await _refusal(ctx, exc, report_id, lang)
        if exc.code == "media.too_many":
            await _discard(ctx, data)
            await state.update_data({REPLY_FILES: {}})  # the answer stays open, without the files
        if exc.code in ("media.too_many", "validation.failed"):
            await message.answer(refusal, reply_markup=_cancel(lang))
        else:  # closed meanwhile, or not theirs: nothing to answer on any more
            await message.answer(refusal)
            await _end(state, ctx, discard=True)
        return
    # confirmed before the answer ends: should the confirmation fail, the redelivered update is still an answer,
    # replayed by its idempotency key (one comment) and confirmed then
    await message.answer(t("reply_sent", lang, number=number))
    await _end(state, ctx, discard=False)


async def _end(state: FSMContext, ctx: Context, *, discard: bool) -> str | None:
    """Back to where the chat was before "Reply" (that state, returned: stacked.unstack); files kept for an answer
    never sent are deleted at once."""
    return await unstack(state, REPLY_BACK, (REPLY_TO, REPLY_NUMBER, REPLY_FILES, REPLY_ALBUMS),
                         (lambda data: _discard(ctx, data)) if discard else None)


async def _discard(ctx: Context, data: dict[str, Any]) -> None:
    for media_id in dict(data.get(REPLY_FILES) or {}).values():
        await service.discard_media(ctx, uuid.UUID(media_id))

