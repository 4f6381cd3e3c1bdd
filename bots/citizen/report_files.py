"""The report's photos, videos and voice messages (at most MAX_FILES): each downloaded and stored with the chat let
go, an album answered once, and "Done" / "Skip" to the confirmation. Files sent before this step are kept too
(keep_early_file)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from backend.lib.errors import ZanError
from backend.media.service import kind_of
from bots.citizen import albums, keyboards, service
from bots.citizen.isolation import released
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.report_draft import (
    ALBUMS,
    BOT_DOWNLOAD_LIMIT,
    MAX_FILES,
    WORDS,
    DraftUnreadable,
    Incoming,
    ReportForm,
    add_to_description,
    ask_confirmation,
    draft_data,
    incoming,
)
from bots.citizen.report_storing import being_stored, bump, free_place, hold_place, keeping_place, sent_in
from bots.citizen.stacked import go_back_instead
from bots.citizen.storage import data_unreadable
from bots.citizen.texts import t

log = logging.getLogger("zan.bots.citizen")
handlers = Handlers()


@handlers.message(StateFilter(ReportForm.photo, ReportForm.confirm),
                  F.photo | F.video | F.video_note | F.voice | F.audio | F.document)
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
    # the caption's words are said to be added in the file's own answer (an album's: in the album's one answer),
    # not in a message of their own: one answer per file, one per album
    added = bool(message.caption) and await add_to_description(message, state, lang, message.caption or "") is not None
    said = t("report_text_added", lang) + "\n" if added and not message.media_group_id else ""
    file = incoming(message)
    if file is None:
        await message.answer(said + t("report_photo_bad", lang), reply_markup=keyboards.photos_done(lang))
        return
    album = message.media_group_id or ""
    outcome = await keep_file(message, state, bot, ctx, linked, lang, key, file)
    if outcome in (TAKEN_ALREADY, GONE):
        return  # a re-delivered update (already taken and answered), or a draft gone meanwhile
    if outcome == OVER:
        await _over_limit(message, state, ctx, lang, key, file.file_unique_id, said=said, added=added)
        return
    if outcome not in (KEPT, SENT_AGAIN):  # refused, not stored or ON_ITS_WAY: said, with the files step's buttons
        await message.answer(said + t(outcome, lang), reply_markup=keyboards.photos_done(lang))
    if album:
        # a file sent again is the draft's already, not one more for the album's answer to count (make_room)
        await _album_file_done(message, state, ctx, lang, key, file.file_unique_id, over=False, added=added,
                               kept=outcome == KEPT)
        return
    if outcome in (KEPT, SENT_AGAIN):  # the files so far, this one among them
        await _answer_files(message, state, ctx, lang, key, said=said)

# what keep_file says besides a text key of its own (why a file was refused or not stored)
KEPT = "kept"
TAKEN_ALREADY = "taken_already"  # a re-delivered update: already taken (or on its way) and answered (or to be)
# kept already from an earlier message: sent again by the citizen (told to, when its question could not be asked for
# want of Redis, or unsure it came through), a message of its own that is answered, not a re-delivered update
SENT_AGAIN = "sent_again"
# on its way from an earlier message (being stored): sent again by the citizen in a message of their own, told so and
# that it need not be sent again (its own answer comes with the earlier message's, once stored); a text key, said as
# what became of the file where a refusal is, as its file is not this message's to count, keep or ask about
ON_ITS_WAY = "report_file_on_its_way"
OVER = "over"  # past the MAX_FILES, never stored
GONE = "gone"  # its draft was cancelled, filed or started again while the file was stored


async def keep_file(message: Message, state: FSMContext, bot: Bot, ctx: Context, linked: service.ChatUser | None,
                    lang: str, key: str, file: Incoming) -> str:
    """Store `file` as one of the draft `key`'s files, at any step of the report (the files sent with the
    description are kept as those sent at their own step): KEPT, TAKEN_ALREADY, SENT_AGAIN, OVER, GONE or the text key
    that says why it was not taken, or that it is on its way from an earlier message (ON_ITS_WAY). The chat is held
    while the draft is read and changed (its place among the files, the limit), and let go while the file is
    downloaded and stored: an album's files are stored side by side."""
    if (file.size or 0) > min(kind_of(file.content_type).max_bytes, BOT_DOWNLOAD_LIMIT):
        return "report_photo_bad"  # refused unread: Telegram would not hand it over, or the media API refuse it
    data = await state.get_data()
    storing = being_stored(data)
    if file.file_unique_id in storing:
        return _again_or_redelivered(data, message, file.file_unique_id, ON_ITS_WAY)
    if await service.has_draft_media(ctx, key, file.file_unique_id):
        return _again_or_redelivered(data, message, file.file_unique_id, SENT_AGAIN)
    files = await service.draft_files(ctx, key)
    if len(files) + len(storing) >= MAX_FILES and not await make_room(state, ctx, key, data, message, files):
        return OVER
    user = await citizen_of(ctx, linked, message.from_user, message.chat.id, lang)
    await hold_place(state, file.file_unique_id, message.media_group_id or "", message.message_id)
    try:
        async with released(), keeping_place(state, key, file.file_unique_id, message.message_id):
            stored = await store_file(bot, ctx, file, user.citizen_id)
    finally:
        # the chat is held again: the draft may have been cancelled or filed, or other files kept, meanwhile
        # "unread": the draft unreadable for want of Redis, not gone: the file is kept for it, as for a live one
        freed = await free_place(state, key, file.file_unique_id, message.message_id)
    if isinstance(stored, str):  # not stored: said so, unless no longer the draft's or past the limit anyway
        return GONE if freed == "gone" else OVER if freed == "bumped" else stored
    if freed in ("gone", "bumped"):
        await service.discard_media(ctx, stored)  # its draft is gone, or its place an earlier file's: not kept
        return GONE if freed == "gone" else OVER
    if len(await service.draft_media(ctx, key)) >= MAX_FILES:
        # the limit was taken meanwhile without this file's place (a place lost with its worker came back to life)
        await service.discard_media(ctx, stored)
        return OVER
    if not await service.keep_draft_media(ctx, draft_key=key, file_unique_id=file.file_unique_id, media_id=stored):
        await service.discard_media(ctx, stored)  # the same update handled twice at once in two workers
        return TAKEN_ALREADY
    return KEPT


def _again_or_redelivered(data: dict[str, Any], message: Message, file_unique_id: str, again: str) -> str:
    """A file the draft has (kept, or on its way) come again: `again` when sent in another message than the one its
    place noted (SENT), the citizen's own; TAKEN_ALREADY when in that very message (a re-delivered update, answered
    the first time or to be), as when its message is not known (a conversation from before places noted it)."""
    sent = sent_in(data, file_unique_id)
    return again if sent is not None and sent[0] != message.message_id else TAKEN_ALREADY


async def make_room(state: FSMContext, ctx: Context, key: str, data: dict[str, Any], message: Message,
                    files: list[tuple[uuid.UUID, str]]) -> bool:
    """The draft is full as this file comes: whether a file sent after it (a later message) gave up its place to it.
    Updates are handled in no set order (webhook deliveries side by side, in either worker: an album's, and a photo
    sent right after it), and the files kept must be the first ones sent, as the confirmation says ("only the first
    5"), not the first ones handled. The latest such file goes: one on its way (of any album, or alone) is let go once
    stored (report_storing.bump), its own answer saying it was over the limit; one kept only if of this file's album
    and still to be counted in the album's one answer (at the files step: a question's album says what became of each
    file, so only one on its way goes there): deleted now and counted over the limit there. Not a kept one already
    answered (what it said stands). `data`: the chat's, just read; `files`: the draft's (service.draft_files)."""
    album = message.media_group_id or ""
    # the files step's album answer still to come (albums.last_through's entry), counting the files over the limit:
    # only a kept file it is to count may go, not one of an answer given already (said kept: the entry was forgotten,
    # and a later late file of the album begins another)
    entry = dict(dict(data.get(ALBUMS) or {}).get(album) or {}) if album else {}
    counted = set(entry.get("kept") or []) if "over" in entry else set()
    kept = {uid: media_id for media_id, uid in files}
    # any file on its way sent after it, of its album or not (a photo sent alone right after an album, another
    # album): its answer is still to come, and says it was over the limit; and a kept one the album's answer counts
    later = [(sent[0], uid) for uid in [*being_stored(data), *(counted & kept.keys())]
             if (sent := sent_in(data, uid)) is not None and sent[0] > message.message_id]
    if not later:
        return False
    sent_as, latest = max(later)
    if latest not in kept:
        await bump(state, data, latest, sent_as)
        return True
    await service.forget_draft(ctx, key, [kept[latest]])
    await service.discard_media(ctx, kept[latest])
    # its own answer counted it kept
    counted.discard(latest)
    entries = {**dict(data.get(ALBUMS) or {}), album: {**entry, "over": int(entry["over"]) + 1, "kept": [*counted]}}
    await state.update_data({ALBUMS: entries})
    return True


async def store_file(bot: Bot, ctx: Context, file: Incoming, citizen_id: uuid.UUID) -> uuid.UUID | str:
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
                      file_unique_id: str, *, said: str, added: bool) -> None:
    """A file past the limit, never stored: a file of an album is counted for the album's one answer, a file of
    its own is refused at once (`said`: what its answer begins with)."""
    if message.media_group_id:
        await _album_file_done(message, state, ctx, lang, key, file_unique_id, over=True, added=added)
        return
    await message.answer(said + t("report_photo_limit", lang, max=MAX_FILES), reply_markup=keyboards.photos_done(lang))


async def _album_file_done(message: Message, state: FSMContext, ctx: Context, lang: str, key: str,
                           file_unique_id: str, *, over: bool, added: bool, kept: bool = False) -> None:
    """An album comes as one update per file, all at once: only the file through last answers, once the album has
    settled and none of its files is still being stored, so the citizen gets one reply with the total instead of
    one per file (the chat is let go meanwhile, or the other files would wait for this one). `kept`: the file is in
    the draft, noted in the answer's entry (make_room may give its place to a file sent before it until answered)."""
    album = str(message.media_group_id)
    entry = await albums.last_through(
        state, ALBUMS, album, file_unique_id,
        fold=lambda so_far: {"over": int(so_far.get("over", 0)) + over, "added": bool(so_far.get("added")) or added,
                             "kept": [*so_far.get("kept", []), *([file_unique_id] if kept else [])]},
        # the draft it was sent for, with none of the album still on its way
        still=lambda _, data: data.get("key") == key and album not in being_stored(data).values())
    if entry is None:
        return
    await albums.forget(state, ALBUMS, album)
    # none of the files this answer is for was kept (late files of an album answered already, all past the limit; an
    # album sent to a full draft): "only the first 5 go with the report" would be false, as the late files may be the
    # album's first ones sent and the files kept those the citizen was told of before; the limit is said instead, as
    # to a file past it on its own
    over_said = "report_files_over_limit" if entry.get("kept") else "report_files_limit"
    await _answer_files(message, state, ctx, lang, key, over=int(entry["over"]), over_said=over_said,
                        said=t("report_text_added", lang) + "\n" if entry["added"] else "")


async def _answer_files(message: Message, state: FSMContext, ctx: Context, lang: str, key: str,
                        over: int = 0, said: str = "", over_said: str = "report_files_over_limit") -> None:
    """The files so far: the confirmation once the limit is reached (it quotes the description, words just added
    included; while the draft cannot be read, the count and "Done" for it), else `said` (words added), the count and
    "Done". Only the count when the chat moved to another step
    while the file was stored (moved_on). `over`: an album's files past the limit, said in the words of the text key
    `over_said`."""
    count = len(await service.draft_media(ctx, key))
    lead = t(over_said, lang, max=MAX_FILES, extra=over) + "\n" if over else ""
    if count and await _moved_on(state):
        # the file is the draft's and said so, with the files step's "Done" for when the draft's step is back; the
        # step the citizen is at now stays theirs (their next words are the answer, not the description's). A draft
        # paused at its confirmation goes back to the files step instead, as below: that confirmation ("Done" tapped
        # while this file was on its way) counts one file fewer than the draft keeps, and were it the step again once
        # the stacked one ends, its "Send" would file them all unseen and this answer's "Done" would do nothing
        await go_back_instead(state, ReportForm.confirm, ReportForm.photo)
        await message.answer(lead + said + t("report_photo_added", lang, count=min(count, MAX_FILES), max=MAX_FILES),
                             reply_markup=keyboards.photos_done(lang))
        return
    if count >= MAX_FILES:
        try:
            await ask_confirmation(message, state, ctx, lang, over=over, over_said=over_said)
        except DraftUnreadable:
            # the files are kept (free_place's "unread"), but the confirmation quotes the description, unreadable for
            # want of Redis: said kept, counted, with "Done" for the confirmation once the draft can be read (nothing
            # set: the step Redis holds stays), not the failed update's "service unavailable" nor "send that again"
            await message.answer(lead + said + t("report_files_full_unread", lang, count=MAX_FILES, max=MAX_FILES),
                                 reply_markup=keyboards.photos_done(lang))
        return
    if not count:
        return  # an album none of whose files could be taken: each said so already
    # the files step again, should "Done" have shown the confirmation while this file was on its way; not while the
    # draft is unreadable (free_place's "unread"): the chat may have started another draft meanwhile, whose step this
    # would overwrite once Redis answers (a new draft at the files step, without its description or place)
    if not data_unreadable(state):
        await state.set_state(ReportForm.photo)
    await message.answer(said + t("report_photo_added", lang, count=count, max=MAX_FILES),
                         reply_markup=keyboards.photos_done(lang))


async def _moved_on(state: FSMContext) -> bool:
    """Whether the chat left the files step and the confirmation (where a file is taken: report_media) while a file
    was stored with the chat let go: "Reply" or "Appeal" tapped, stacked over the draft (bots.citizen.stacked), whose
    step goes back to the draft's when it ends. Its answer must not set the files step over it. Not while the state is
    unreadable for want of Redis (free_place's "unread"): nothing is set then either."""
    return not data_unreadable(state) and await state.get_state() not in (ReportForm.photo.state,
                                                                          ReportForm.confirm.state)


@handlers.message(ReportForm.photo, *WORDS)
async def report_photo_text(message: Message, state: FSMContext, lang: str) -> None:
    """More words at the files step ("he had a knife"): added to the description, not dropped."""
    if await add_to_description(message, state, lang, message.text or "", keyboards.photos_done(lang)) is not None:
        await message.answer(t("report_text_added", lang), reply_markup=keyboards.photos_done(lang))


@handlers.message(ReportForm.photo)
async def report_photo_other(message: Message, lang: str) -> None:
    """A sticker or location at the files step: said what is expected, not silently ignored."""
    await message.answer(t("report_photo_hint", lang), reply_markup=keyboards.photos_done(lang))


@handlers.callback_query(ReportForm.photo, F.data.in_({"report:skip", "report:photos_done", "report:send"}))
async def report_photos_done(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Done" or "Skip"; or "Send" of a confirmation shown before the citizen sent one more file (the files step is
    back): the confirmation again, with that file counted, rather than a tap that files nothing and says nothing."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await ask_confirmation(callback.message, state, ctx, lang)



# a refusal before the files step says it without the files step's "Done", which is not on screen yet
_EARLY_REFUSALS = {"report_photo_bad": "report_file_not_kept", "report_photo_store_down": "report_file_store_down"}


async def keep_early_file(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                          linked: service.ChatUser | None,
                          draft: dict[str, Any] | None = None) -> tuple[str | None, str]:
    """A file sent before the files step (with the description, or where the place is asked) is kept in the draft
    as one sent at its step, so the citizen is not asked for it again: what became of it (None: the message carries
    no file; else what keep_file says) and the words that say so in the chat's language ("" for a re-delivered update
    or a draft gone meanwhile, which need no answer; for one sent again, that it is kept and need not be sent again).
    `draft`: the draft's data as the caller read or wrote it in this update (its key is the file's), else read here:
    DraftUnreadable (nothing kept) when Redis went away since the update began, its data partial, the key unknown."""
    file = incoming(message)
    if file is None:
        carries = message.photo or message.video or message.voice or message.audio or message.document
        return (None, "") if not carries else ("report_photo_bad", t("report_file_not_kept", lang))
    # not read again when the caller knows it: a caption written before this (the description, words added to it)
    # is kept in Redis, and "send that again" over an unreadable read would have it sent, and put in, twice
    key = str((await draft_data(state) if draft is None else draft)["key"])
    outcome = await keep_file(message, state, bot, ctx, linked, lang, key, file)
    kept = "report_files_kept" if message.media_group_id else "report_file_kept"
    if outcome == KEPT:
        return outcome, t("report_voice_kept" if message.voice else kept, lang)
    if outcome == SENT_AGAIN:
        return outcome, t(kept, lang)  # "no need to send it again", a voice message too
    if outcome == OVER:
        return outcome, t("report_file_limit", lang, max=MAX_FILES)
    if outcome in (TAKEN_ALREADY, GONE):
        return outcome, ""
    return outcome, t(_EARLY_REFUSALS.get(outcome, outcome), lang)


async def nothing_to_ask(state: FSMContext, ctx: Context, key: str) -> bool:
    """Whether the draft `key` holds no file and none is on its way to it (an album none of whose files could be
    kept): a question about its files has nothing to ask about. Not while a file is still being stored, as the first
    copy of one sent again (ON_ITS_WAY) may be: its own answer asks, once it is kept."""
    return not await service.draft_media(ctx, key) and not being_stored(await state.get_data())


async def album_at_question(message: Message, state: FSMContext, key: str, question: State, note: str) -> str | None:
    """An album sent while a question about files waits (report_offer's, report_addition's) gets one answer, once all
    its files are in: this file's `note` (what became of it: "" if kept, which the question says) joins the album's
    others, and the file through last, once the album settled with none of it on its way and the question still
    waiting, gets them all ("" for none); the others get None. Answering with the first file through instead would
    leave a later file's refusal unsaid."""
    album = str(message.media_group_id)
    entry = await albums.last_through(
        state, ALBUMS, album, str(message.message_id),
        fold=lambda so_far: {"notes": list(dict.fromkeys([*so_far.get("notes", []), *([note] if note else [])]))},
        still=lambda current, now: (current == question.state and now.get("key") == key
                                    and album not in being_stored(now).values()))
    if entry is None:
        return None  # another file of the album answers, or the question was answered meanwhile
    await albums.forget(state, ALBUMS, album)
    return "\n".join(entry.get("notes", []))
