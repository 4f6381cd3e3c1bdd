"""The report being written: its steps (FSM states), what the conversation keeps in FSM data, and the helpers the
steps share. No handlers here (see report_flow and its steps' modules).

FSM data of a report: `key` (the draft's id: its files, and the idempotency key that files it once), `since` (the
message that started it), `text` and `parts` (the description, as the messages it came from), `lat`, `lon`, `accuracy`,
and the files on their way in: STORING (each file being downloaded and stored, with the chat let go meanwhile; it holds
its place among the MAX_FILES) and ALBUMS (per album, the file that finished last and how many were over the limit: who
answers the album, and with what). Once a report is filed (or files added to one), the chat's data is only FILED_SINCE
(after a "No", DECLINED_SINCE): the buttons of that conversation are then told apart from those of one that expired.
State names are the class's ("ReportForm:text"), so a conversation in Redis survives a deploy that moves this module. A
draft begun by a voice message or audio file sent outside a report waits in `offered` for the citizen's Yes or No
(report_offer); one begun by files sent shortly after a report was filed waits in `adding` for "Add to report № …" or
"New report" (report_addition), with ADD_TO and ADD_NUMBER (that report), ADD_CAPTIONS (the kept files' captions),
ADD_VOICE (begun by a voice message or audio file: "No" asked too) and ADD_FULL (an "Add" refused as the report's files
would pass the limit: not offered again). TYPED: the last words typed while either question waited. They were answered
as a question, so they are never used unasked: the description step offers them with a "Use: «…»" button (report_asked).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from backend.context import Context
from backend.lib.blank import blank
from backend.lib.tasks import stop_task
from backend.media.formats import canonical_type
from backend.media.service import KINDS, MAX_PER_REPORT
from backend.reports.service import local_date
from bots.citizen import keyboards, service
from bots.citizen.isolation import held_briefly
from bots.citizen.texts import all_languages, t

log = logging.getLogger("zan.bots.citizen")
MAX_FILES = MAX_PER_REPORT
# the Bot API lets a bot download files of at most 20 MB; each kind's own limit (photo 10 MB) applies below that
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024
# every kind the media API takes: photos, videos, and audio (voice messages are how many citizens tell what happened)
ACCEPTED_TYPES = frozenset(ct for kind in KINDS for ct in kind.content_types)
MIN_REPORT_TEXT = 5
MAX_REPORT_TEXT = 5000
# the confirmation quotes the description; the whole of it plus the template could exceed Telegram's 4096 characters
CONFIRM_QUOTE_CHARS = 1000
# the "Use: «…»" button's quote of words typed earlier: a button's label shows a line at most
USE_LABEL_CHARS = 40
# the menu's "Legal question" button while a report is being written: a button's label is not part of the description
NOT_DESCRIPTION = frozenset(all_languages("btn_ask"))
# words of the description: not a command (an unknown "/help" is not what happened), not the menu's "Legal question"
WORDS = (F.text, ~F.text.startswith("/"), ~F.text.in_(NOT_DESCRIPTION))
PART_SEPARATOR = "\n\n"  # between the description and words the citizen added later
FILED_SINCE = "filed_since"  # FSM data after filing: the `since` of the conversation that filed it
# FSM data after a question about files was answered "No": its `since`, so the other tap of a double "No" is silent
# (a Yes tapped after it still hears that nothing was sent: silence would read as a report taken)
DECLINED_SINCE = "declined_since"
STORING = "storing"  # {file_unique_id: [started (unix time), media_group_id or ""]}
# the draft's albums (bots.citizen.albums): {media_group_id: {"last": file_unique_id, "over": files over the limit,
# "added": its caption joined the description}}
ALBUMS = "albums"
# albums answered at a step that takes no files (the description, the place): one answer per album, not one per file
TOLD_ALBUMS = "told_albums"
# a file's place among the MAX_FILES is renewed every STORING_RENEW_S while its download and upload go on (however
# slow), so one not renewed for STORING_STALE_S was lost with its worker: its place is free again
STORING_STALE_S = 300.0
STORING_RENEW_S = 60.0
ADD_TO, ADD_NUMBER, ADD_CAPTIONS = "add_to", "add_number", "add_captions"
# the `adding` question asked of a voice message or audio file sent without words ("voice" / "audio"): it may be a
# question, so "No" is offered too, and "Add" without words says which it was
ADD_VOICE = "add_voice"
ADD_FULL = "add_full"
TYPED = "typed"  # [message_id, text]


class ReportForm(StatesGroup):
    text = State()
    location = State()
    photo = State()
    confirm = State()
    offered = State()  # "File a report with this?" asked of a voice message or audio file sent outside a report
    adding = State()  # "Add to report № … / New report" asked of files sent shortly after a report was filed


# a report being written: any of its steps, the question before one included
WRITING = frozenset(step.state for step in (ReportForm.offered, ReportForm.adding, ReportForm.text,
                                            ReportForm.location, ReportForm.photo, ReportForm.confirm))
# the questions asked before a report: "Report" (or "File a report" under an answer) is a Yes to either
ASKED = frozenset({ReportForm.offered.state, ReportForm.adding.state})


def too_short(text: str) -> bool:
    """Whether `text` (stripped) is too little to be a description: under MIN_REPORT_TEXT characters, or nothing
    visible at all (zero-width spaces, direction marks), which intake refuses: taken here, the draft could never be
    sent."""
    return len(text) < MIN_REPORT_TEXT or blank(text)


async def open_draft(state: FSMContext, ctx: Context, since: int, step: State = ReportForm.text) -> None:
    """A new draft at `step`, its messages those after `since`; the files of one left unfinished go."""
    await drop_draft(state, ctx)
    # one idempotency key per conversation: a double tap on "Send" or a re-delivered update files it once
    # `since`: messages of this chat are numbered in order, so an edit of a message older than the report's first
    # prompt (a question asked before the report was started) is not taken for the description, and an older
    # message's buttons are not this draft's
    await state.set_data({"key": uuid.uuid4().hex, "since": since})
    await state.set_state(step)


async def start_report(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await open_draft(state, ctx, message.message_id)
    # `since` is the prompt's own number, not `message`'s: a report started from an older message's button ("File a
    # report" under yesterday's legal answer) would take in everything sent since it
    prompt = await message.answer(t("report_text", lang), reply_markup=keyboards.cancel_report(lang))
    await state.update_data(since=prompt.message_id)


async def drop_draft(state: FSMContext, ctx: Context) -> None:
    """End the conversation and forget its files at once (the media themselves go as unused ones), rather than keep
    them listed for a draft no one can finish until purge_stale_drafts."""
    key = (await state.get_data()).get("key")
    await state.clear()
    if key:
        await service.forget_draft(ctx, str(key))


async def add_to_description(message: Message, state: FSMContext, lang: str, addition: str,
                             reply_markup: Any = None) -> bool:
    """Append what the citizen wrote after the description step (a caption, a later message) to the description:
    their words are evidence too and must not vanish. False when they are in already, or (and said so) when they
    would pass the limit."""
    addition = addition.strip()
    if not addition:
        return False
    data = await state.get_data()
    if any(part[0] == message.message_id for part in data.get("parts", [])):
        # the same message again (Telegram re-delivered the update, or polling fetched it again after a restart):
        # its words are in the description already and were answered then
        return False
    text = str(data.get("text") or "")
    combined = f"{text}{PART_SEPARATOR}{addition}" if text else addition
    if len(combined) > MAX_REPORT_TEXT:
        await message.answer(t("report_text_full", lang, max=MAX_REPORT_TEXT), reply_markup=reply_markup)
        return False
    parts = [*data.get("parts", []), [message.message_id, addition]]
    await state.update_data(text=combined, parts=parts)
    return True


async def ask_confirmation(message: Message, state: FSMContext, ctx: Context, lang: str, over: int = 0) -> None:
    """`over`: files of an album that came after the limit was taken (not stored): said with the confirmation, the
    album's one answer, instead of one refusal per file or none at all."""
    data = await state.get_data()
    await state.set_state(ReportForm.confirm)
    files = len(await service.draft_media(ctx, str(data["key"])))
    # only the quote is shortened: the full description stays in the FSM data and is what gets filed
    text = t("report_confirm", lang, text=shortened(str(data["text"]), CONFIRM_QUOTE_CHARS), lat=data["lat"],
             lon=data["lon"], photos=min(files, MAX_FILES))
    extra = max(files - MAX_FILES, 0) + over  # a draft listed over the limit (written before places were held)
    if extra:
        text = t("report_files_over_limit", lang, max=MAX_FILES, extra=extra) + "\n\n" + text
    await message.answer(text, reply_markup=keyboards.confirm(lang))


async def ask_files(message: Message, state: FSMContext, ctx: Context, lang: str, lead: str = "") -> None:
    """The files step: what it takes, and how many files the draft has already (those sent before it are kept: said,
    so they are not sent again), after `lead`."""
    text = t("report_photo", lang)
    kept = len(await service.draft_media(ctx, str((await state.get_data())["key"])))
    if kept:
        text += "\n" + t("report_files_so_far", lang, count=kept, max=MAX_FILES)
    await message.answer(f"{lead}\n\n{text}" if lead else text, reply_markup=keyboards.skip_photo(lang))


async def resume(message: Message, state: FSMContext, ctx: Context, lang: str, lead: str = "") -> bool:
    """Ask for what the report's current step expects, after `lead` (e.g. the language just changed; none: the
    step's question alone), with the step's keyboard: the conversation goes on from this message. False when no
    report is being written."""
    step = await state.get_state()

    def led(question: str) -> str:
        return f"{lead}\n\n{question}" if lead else question

    if step == ReportForm.confirm.state:
        if lead:
            await message.answer(lead)
        await ask_confirmation(message, state, ctx, lang)
        return True
    if step == ReportForm.photo.state:
        await ask_files(message, state, ctx, lang, lead)
        return True
    if step == ReportForm.location.state:
        await message.answer(led(t("report_location", lang)), reply_markup=keyboards.send_location(lang))
        return True
    if step == ReportForm.text.state:
        typed = (await state.get_data()).get(TYPED)
        if not typed:
            await message.answer(led(t("report_text", lang)), reply_markup=keyboards.cancel_report(lang))
            return True
        # words typed while a question waited were answered as a question: only the citizen can say they tell
        # what happened, so they are offered, never taken unasked
        await message.answer(led(t("report_text", lang) + "\n" + t("report_typed_offer", lang)),
                             reply_markup=keyboards.cancel_report(lang, use=shortened(str(typed[1]), USE_LABEL_CHARS)))
        return True
    if step in ASKED and "key" not in (data := await state.get_data()):
        # the question's data expired before its state (Redis keeps the two under their own TTLs): asked again it
        # would name no report ("№ ", a button "Add to No. "), and each of its buttons could only say so
        await draft_gone(message, state, data, lang, "report_draft_lost")
        return False
    if step == ReportForm.offered.state:
        await message.answer(led(t("report_offer", lang)), reply_markup=keyboards.offer_report_with(lang))
        return True
    if step == ReportForm.adding.state:
        data = await state.get_data()
        number, voice, full = str(data.get(ADD_NUMBER) or ""), bool(data.get(ADD_VOICE)), bool(data.get(ADD_FULL))
        ask = "report_add_full_ask" if full else "report_add_voice_ask" if voice else "report_add_ask"
        await message.answer(led(t(ask, lang, number=number)),
                             reply_markup=keyboards.add_or_new(lang, number, decline=voice, add=not full))
        return True
    return False


async def draft_gone(message: Message, state: FSMContext, data: dict[str, Any], lang: str,
                     said: str = "report_expired") -> None:
    """A button of `message` (or a message sent to a step: `said` then names what was lost) needs a draft that is no
    longer there, its data expired before its state: silent if it belongs to the report just filed (the other tap of
    a double tap), else the citizen hears that nothing was sent, with the menu to
    start again. (Here, not in report_confirm, which re-exports it: resume says it too.)"""
    filed_since = data.get(FILED_SINCE)
    if filed_since is not None and message.message_id > int(filed_since):
        return
    await state.set_state(None)  # a state left without its data would swallow the next tap the same way
    await message.answer(t(said, lang), reply_markup=keyboards.main_menu(lang))


async def keep_place(message: Message, state: FSMContext, ctx: Context) -> bool:
    """The message's location kept as the report's place; False (nothing kept) for one outside Kazakhstan, which
    intake refuses (report.outside_kazakhstan): the caller says so at once, not after the files and the confirmation."""
    location = message.location
    assert location is not None
    if not in_kazakhstan(ctx, location.latitude, location.longitude):
        return False
    await state.update_data(lat=location.latitude, lon=location.longitude, accuracy=location.horizontal_accuracy)
    return True


async def first_of_album(state: FSMContext, message: Message) -> bool:
    """Whether `message` is to be answered at a step that takes no files: a message of its own is, an album (one
    update per file, all at once) only for its first file through."""
    album = message.media_group_id
    if not album:
        return True
    told = list((await state.get_data()).get(TOLD_ALBUMS) or [])
    if album in told:
        return False
    await state.update_data({TOLD_ALBUMS: [*told, album]})
    return True


def shortened(text: str, limit: int) -> str:
    """`text` as it is, or its first `limit` characters cut at a word boundary, with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 2]  # room for " …"
    cut = head.rsplit(maxsplit=1)[0] if " " in head.strip() else head
    return cut.rstrip() + " …"


def in_kazakhstan(ctx: Context, lat: float, lon: float) -> bool:
    """The point as intake accepts it (backend.routing.service.assess_intake): inside a district or the border's
    tolerance."""
    from backend.routing.service import district_index

    return district_index(ctx).locate_accepted(lat, lon) is not None


@dataclass(frozen=True)
class Incoming:
    file_id: str
    file_unique_id: str
    size: int | None
    content_type: str


def incoming(message: Message) -> Incoming | None:
    """The file a message carries, if it is one a report takes: a photo, a video (a round one too), a voice message
    or an audio file, or any of them sent as a file (a photo sent as a file keeps its EXIF time and place, which
    Telegram strips from compressed photos). Its type is the one the media API stores it under (audio/x-m4a is
    audio/mp4)."""
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram made
        return Incoming(photo.file_id, photo.file_unique_id, photo.file_size, "image/jpeg")
    if message.video:
        video = message.video
        return Incoming(video.file_id, video.file_unique_id, video.file_size, video.mime_type or "video/mp4")
    if message.video_note:
        # a round video ("кружок"), as many film a scene in Telegram: always MPEG-4, and it names no type of its own
        note = message.video_note
        return Incoming(note.file_id, note.file_unique_id, note.file_size, "video/mp4")
    # Telegram's voice messages are Ogg Opus (its mime_type is optional); the media API sniffs the bytes either way
    sent = message.voice or message.audio or message.document
    default = "audio/ogg" if message.voice else ""
    content_type = canonical_type((getattr(sent, "mime_type", None) or default) if sent is not None else "")
    if sent is not None and content_type in ACCEPTED_TYPES:
        return Incoming(sent.file_id, sent.file_unique_id, sent.file_size, content_type)
    return None


def local_date_iso(value: Any) -> str:
    return local_date(datetime.fromisoformat(value) if isinstance(value, str) else value)


# -- files on their way in -----------------------------------------------------------------------------------------
def being_stored(data: dict[str, Any]) -> dict[str, str]:
    """The draft's files being downloaded and stored right now: file_unique_id → media_group_id ("" alone)."""
    fresh = time.time() - STORING_STALE_S
    return {uid: str(entry[1]) for uid, entry in dict(data.get(STORING) or {}).items() if float(entry[0]) > fresh}


async def hold_place(state: FSMContext, file_unique_id: str, album: str) -> None:
    """The file takes one of the MAX_FILES before its download: the album's other files, checking the limit while it
    is on its way, count it, so exactly MAX_FILES are stored and the rest are never downloaded."""
    data = await state.get_data()
    fresh = being_stored(data)  # and the places of files lost with their worker are let go
    storing = {uid: entry for uid, entry in dict(data.get(STORING) or {}).items() if uid in fresh}
    storing[file_unique_id] = [time.time(), album]
    await state.update_data({STORING: storing})


@asynccontextmanager
async def keeping_place(state: FSMContext, key: str, file_unique_id: str) -> AsyncIterator[None]:
    """For the block (the file's download and upload, with the chat let go) its place is renewed, taking the chat for
    a moment each time: a download slower than STORING_STALE_S keeps its place rather than let a later file take it
    and pass the limit."""
    renewing = asyncio.create_task(_renew_place(state, key, file_unique_id))
    try:
        yield
    finally:
        await stop_task(renewing)


async def _renew_place(state: FSMContext, key: str, file_unique_id: str) -> None:
    while True:
        await asyncio.sleep(STORING_RENEW_S)
        try:
            async with held_briefly():
                data = await state.get_data()
                storing = dict(data.get(STORING) or {})
                entry = storing.get(file_unique_id)
                if data.get("key") != key or entry is None:
                    return  # the draft is gone (cancelled, filed, a new one started): nothing to keep
                storing[file_unique_id] = [time.time(), entry[1]]
                await state.update_data({STORING: storing})
        except Exception:  # the FSM storage failing once: renewed next time, well before the place is let go
            log.warning("a file's place in its draft not renewed", exc_info=True)


async def free_place(state: FSMContext, key: str, file_unique_id: str) -> bool:
    """The file is stored (or failed): its place is its draft's file or nobody's. False when the draft it was stored
    for is gone meanwhile (cancelled, filed, or a new report started): the file must not join another draft."""
    data = await state.get_data()
    if data.get("key") != key:
        return False
    storing = {uid: entry for uid, entry in dict(data.get(STORING) or {}).items()
               if uid != file_unique_id and uid in being_stored(data)}
    await state.update_data({STORING: storing})
    return True

