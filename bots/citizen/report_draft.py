"""The report being written: its steps (FSM states), what the conversation keeps in FSM data, and the helpers the
steps share. No handlers here (see report_flow and its steps' modules).

FSM data of a report: `key` (the draft's id: its files, and the idempotency key that files it once), `since` (the
message that started it), `text` and `parts` (the description, as the messages it came from), `lat`, `lon`, `accuracy`,
and the files on their way in: STORING (report_storing: each file being stored, with the chat let go; it holds
its place among the MAX_FILES) and ALBUMS (per album, the file that finished last and how many were over the limit: who
answers the album, and with what). Once a report is filed (or files added to one), the chat's data is only FILED_SINCE
(after a "No", DECLINED_SINCE): the buttons of that conversation are then told apart from those of one that expired.
State names are the class's ("ReportForm:text"), so a conversation in Redis survives a deploy that moves this module. A
draft begun by a voice message or audio file sent outside a report waits in `offered` for the citizen's Yes or No
(report_offer); one begun by files sent shortly after a report was filed waits in `adding` for "Add to report № …" or
"New report" (report_addition), with ADD_TO and ADD_NUMBER (that report), ADD_CAPTIONS (the kept files' captions),
ADD_VOICE (begun by a voice message or audio file: "No" asked too) and ADD_FULL (an "Add" refused as the report's files
would pass the limit: not offered again). TYPED: the words typed while either question waited, as the messages they
came in. They were answered as a question, so they are never used unasked: the description step offers them, joined in
order, with a "Use: «…»" button (report_asked).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from backend.context import Context
from backend.lib.blank import blank
from backend.media.formats import canonical_type
from backend.media.service import KINDS, MAX_PER_REPORT
from backend.reports.service import local_date
from bots.citizen import keyboards, service
from bots.citizen.storage import data_unreadable, step_unknown, step_unread
from bots.citizen.texts import all_languages, t

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
# the draft's albums (bots.citizen.albums): {media_group_id: {"last": file_unique_id, "over": files over the limit,
# "added": its caption joined the description}}
ALBUMS = "albums"
# albums answered at a step that takes no files (the description, the place): one answer per album, not one per file
TOLD_ALBUMS = "told_albums"
ADD_TO, ADD_NUMBER, ADD_CAPTIONS = "add_to", "add_number", "add_captions"
# the `adding` question asked of a voice message or audio file sent without words ("voice" / "audio"): it may be a
# question, so "No" is offered too, and "Add" without words says which it was
ADD_VOICE = "add_voice"
ADD_FULL = "add_full"
TYPED = "typed"  # [[message_id, text], …] in the order typed


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


def typed_parts(data: dict[str, Any]) -> list[list[Any]]:
    """The words typed while a question waited (TYPED), as the description's parts ([message_id, text]) in order."""
    kept = list(data.get(TYPED) or [])
    if kept and not isinstance(kept[0], list):
        kept = [kept]  # one message, as kept before several were: a conversation in Redis from before a deploy
    return [[int(part[0]), str(part[1])] for part in kept]


def parts_text(parts: list[list[Any]]) -> str:
    """The description's parts ([message_id, text]) as the one text they make."""
    return PART_SEPARATOR.join(str(part[1]) for part in parts)


def too_short(text: str) -> bool:
    """Whether `text` (stripped) is too little to be a description: under MIN_REPORT_TEXT characters, or nothing
    visible at all (zero-width spaces, direction marks), which intake refuses: taken here, the draft could never be
    sent."""
    return len(text) < MIN_REPORT_TEXT or blank(text)


async def open_draft(state: FSMContext, ctx: Context, since: int, step: State = ReportForm.text) -> None:
    """A new draft at `step`, its messages those after `since`; the files of one left unfinished go. StepUnknown
    (nothing written) when the chat's step could not be read at all: see there."""
    if step_unknown(state):
        raise StepUnknown
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
                             reply_markup: Any = None) -> dict[str, Any] | None:
    """Append what the citizen wrote after the description step (a caption, a later message) to the description:
    their words are evidence too and must not vanish. The draft's data with them in (what the confirmation quotes:
    read again, it may be unreadable for want of Redis though the words are kept, and "send that again" would add
    them twice); None when they are in already, or (and said so) when they would pass the limit. DraftUnreadable
    (nothing written) when the draft cannot be read: its description unknown, the words written as the whole of it
    would replace it once handed back to Redis."""
    addition = addition.strip()
    if not addition:
        return None
    data = await draft_data(state)
    if any(part[0] == message.message_id for part in data.get("parts", [])):
        # the same message again (Telegram re-delivered the update, or polling fetched it again after a restart):
        # its words are in the description already and were answered then
        return None
    text = str(data.get("text") or "")
    combined = f"{text}{PART_SEPARATOR}{addition}" if text else addition
    if len(combined) > MAX_REPORT_TEXT:
        await message.answer(t("report_text_full", lang, max=MAX_REPORT_TEXT), reply_markup=reply_markup)
        return None
    parts = [*data.get("parts", []), [message.message_id, addition]]
    await state.update_data(text=combined, parts=parts)
    return {**data, "text": combined, "parts": parts}


async def ask_confirmation(message: Message, state: FSMContext, ctx: Context, lang: str, over: int = 0,
                           data: dict[str, Any] | None = None, over_said: str = "report_files_over_limit") -> None:
    """`over`: files of an album that came after the limit was taken (not stored): said with the confirmation, the
    album's one answer, instead of one refusal per file or none at all, in the words of the text key `over_said`.
    `data`: the draft's, read already; else read here, DraftUnreadable (nothing set or said) when Redis is away: the
    confirmation quotes the description, and its step written blind would be handed back over the draft's."""
    data = await draft_data(state) if data is None else data
    await state.set_state(ReportForm.confirm)
    files = len(await service.draft_media(ctx, str(data["key"])))
    # only the quote is shortened: the full description stays in the FSM data and is what gets filed
    text = t("report_confirm", lang, text=shortened(str(data["text"]), CONFIRM_QUOTE_CHARS), lat=data["lat"],
             lon=data["lon"], photos=min(files, MAX_FILES))
    extra = max(files - MAX_FILES, 0) + over  # a draft listed over the limit (written before places were held)
    if extra:
        text = t(over_said, lang, max=MAX_FILES, extra=extra) + "\n\n" + text
    await message.answer(text, reply_markup=keyboards.confirm(lang))


async def ask_files(message: Message, state: FSMContext, ctx: Context, lang: str, lead: str = "",
                    data: dict[str, Any] | None = None) -> None:
    """The files step: what it takes, and how many files the draft has already (those sent before it are kept: said,
    so they are not sent again), after `lead`. `data`: the draft's, read already."""
    text = t("report_photo", lang)
    kept = len(await service.draft_media(ctx, str((await state.get_data() if data is None else data)["key"])))
    if kept:
        text += "\n" + t("report_files_so_far", lang, count=kept, max=MAX_FILES)
    await message.answer(f"{lead}\n\n{text}" if lead else text, reply_markup=keyboards.skip_photo(lang))


async def resume(message: Message, state: FSMContext, ctx: Context, lang: str, lead: str = "", *,
                 lead_alone: bool = True, draft: Draft | None = None, written: Draft | None = None) -> bool:
    """Ask for what the report's current step expects, after `lead` (e.g. the language just changed; none: the
    step's question alone), with the step's keyboard: the conversation goes on from this message. False when no
    report is being written: its draft expired (said so, `lead` unsaid), or the chat is at no report's step (filed,
    let go meanwhile): `lead` (what was done: a refusal, a caption dropped) is said on its own then, unless
    `lead_alone` is False (a caller whose `lead` only makes sense with a report, saying something else on False). A
    step or draft unreadable for want of
    Redis (lost since the update began: DraftUnreadable) cannot be asked: `lead` is said all the same (a refusal,
    what was added: done already) with the "send that again" the error handler says of an unread draft, and True
    (a draft is being written: no caller starts another over it). `draft`: the chat's step and draft as the caller
    just wrote them (report_text.take_description); else read here. `written`: the draft as the caller wrote it
    before letting the chat go (a file stored meanwhile: another update may have moved its step, so it is read again
    here), asked from when that read is unreadable: what the caller wrote is kept, and "send that again" would have
    it sent twice (a caption added to the description it is)."""

    def led(question: str) -> str:
        return f"{lead}\n\n{question}" if lead else question

    try:
        draft = await draft_read(message, state, lang) if draft is None else draft
    except DraftUnreadable as unread:
        if written is None:
            await message.answer(led(t(unread.said, lang)))
            return True
        draft = written
    if draft is None:
        return False
    step = draft.step
    if step == ReportForm.confirm.state:
        if lead:
            await message.answer(lead)
        await ask_confirmation(message, state, ctx, lang, data=draft.data)
        return True
    if step == ReportForm.photo.state:
        await ask_files(message, state, ctx, lang, lead, data=draft.data)
        return True
    if step == ReportForm.location.state:
        await message.answer(led(t("report_location", lang)), reply_markup=keyboards.send_location(lang))
        return True
    if step == ReportForm.text.state:
        typed = typed_parts(draft.data)
        if not typed:
            await message.answer(led(t("report_text", lang)), reply_markup=keyboards.cancel_report(lang))
            return True
        # words typed while a question waited were answered as a question: only the citizen can say they tell
        # what happened, so they are offered (all of them, in order: a citizen tells it in several messages as
        # often as in one), never taken unasked
        offer = t("report_typed_offer", lang) if len(typed) == 1 else t("report_typed_offer_many", lang,
                                                                          count=len(typed))
        label = shortened(" ".join(part[1] for part in typed), USE_LABEL_CHARS)
        await message.answer(led(t("report_text", lang) + "\n" + offer),
                             reply_markup=keyboards.cancel_report(lang, use=label))
        return True
    if step == ReportForm.offered.state:
        await message.answer(led(t("report_offer", lang)), reply_markup=keyboards.offer_report_with(lang))
        return True
    if step == ReportForm.adding.state:
        data = draft.data
        number, voice, full = str(data.get(ADD_NUMBER) or ""), bool(data.get(ADD_VOICE)), bool(data.get(ADD_FULL))
        ask = "report_add_full_ask" if full else "report_add_voice_ask" if voice else "report_add_ask"
        await message.answer(led(t(ask, lang, number=number)),
                             reply_markup=keyboards.add_or_new(lang, number, decline=voice, add=not full))
        return True
    if lead and lead_alone:
        # what was done must not go unsaid for want of a step to ask: the menu with it when the chat is at no step
        await message.answer(lead, reply_markup=keyboards.main_menu(lang) if step is None else None)
    return False


class DraftUnreadable(Exception):
    """The draft being written (its state read as a report's) could not be read just now: Redis went away and this
    process keeps no copy of its data, or of the state the update read before (bots.citizen.storage). It has not
    expired, so it is not said to be gone: the update ends here, its state and data untouched, and the citizen is
    asked to send it again in a minute (errors.unexpected_error; resume says what it was given to say first). Taken
    for an expired draft, its state was let go — and handed back to Redis once it answered, the draft lost for good
    — or a new draft started over it."""

    said = "report_draft_unread"  # the text key the citizen is told (errors.unexpected_error, resume)


class StepUnknown(DraftUnreadable):
    """A new draft about to be started (open_draft) in a chat whose step could not be read at all: Redis away since
    the update began, nothing of the chat kept in this process (storage.step_unknown). It reads as none, but Redis may
    hold a report in progress: the draft started now would be handed back over it once Redis answers (its description,
    place and files gone from the chat, the file sent now filed in its place). Nor can the file be kept for that report
    unread (no key to keep it under). So nothing is written or stored, and the citizen, who may have no report in
    progress at all, is told that nothing was taken and to send it again in a minute, when the step can be read."""

    said = "report_step_unknown"


async def draft_data(state: FSMContext) -> dict[str, Any]:
    """The data of the draft being written (the caller read its state as a report's); DraftUnreadable when it reads
    empty or partial only for want of Redis. The expired-draft guard's one read of it (draft_read,
    report_expired.data_gone), and the read of a draft stacked under an answer or an appeal before either ends
    (stacked): nothing is written over data that could not be read."""
    data = await state.get_data()
    if data_unreadable(state):
        raise DraftUnreadable
    return data


class Draft(NamedTuple):
    """The chat's step, and its draft's data when the step is a report's (else empty): read once (draft_read)."""

    step: str | None
    data: dict[str, Any]


async def draft_read(message: Message, state: FSMContext, lang: str) -> Draft | None:
    """The chat's step and its draft's data, or None when the draft being written (at any step, or a question before
    one) lost its data before its state (Redis keeps the two under their own TTLs): then said so in `message`'s chat
    (lost_said). Every step reads its draft (its key, description, place): asked again, or taking what was sent, it
    would fail (KeyError: the generic apology, the message lost) or build a draft with no key that fails at a later
    step, and a question would name no report ("№ "). The one guard of an expired draft: the steps' handlers are
    reached through it (report_expired), and resume asks no step without it. A draft unreadable for want of Redis is
    no expired one (DraftUnreadable, raised: nothing goes on), nor is a report's step that reads as none only because
    Redis went away since the update read it (storage.step_unread): taken for none, a new draft was started over it
    or its question went unsaid."""
    step = await state.get_state()
    if step is None and step_unread(state) in WRITING:
        raise DraftUnreadable
    if step not in WRITING:
        return Draft(step, {})
    data = await draft_data(state)
    if "key" in data:
        return Draft(step, data)
    await lost_said(message, state, step, data, lang)
    return None


async def draft_lost(message: Message, state: FSMContext, lang: str) -> bool:
    """Whether the draft being written lost its data (said so: draft_read)."""
    return await draft_read(message, state, lang) is None


async def lost_said(message: Message, state: FSMContext, step: str | None, data: dict[str, Any], lang: str) -> None:
    """The draft at `step`, its `data` read without its key, is said to be gone, naming what went (the files sent for
    a question; the report otherwise), and its state let go."""
    await draft_gone(message, state, data, lang, "report_draft_lost" if step in ASKED else "report_draft_expired")


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
