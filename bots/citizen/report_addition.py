"""Files sent outside a report shortly after the citizen filed one: "Add to report № … / New report".

A photo, video, round video or file of a kind a report takes, sent with no report being written, started a new draft
(report_offer) even when it was more evidence of the report the citizen had just filed, and a duplicate report
followed. Now, while the citizen has a report still open that they filed or last acted on within
service.ADD_WINDOW (a day; the most recent such), the files are kept in a draft (as a voice message is, in
report_offer) and the citizen asked: "Add" posts them as a comment on that report through the comments API's own code
(service.comment_on_report: their captions, or a short default, as its words) and confirms with the report's number;
"New report" goes on as a file sent outside a report always did (report_asked.take_offer: the description asked, or
taken from the captions). Words typed while the question waits are answered as a question and never posted as the
comment (only offered to a new report's description step), except the question's own answers typed as words
("добавить", "жаңа өтініш", "no": answer_typed), which do what its buttons do. A location is kept for a new report as
its place, and by "Add" as a line of the comment with its coordinates (the API has no step that changes a filed
report's place: said when it is sent, and again after "Add"). A refused file's caption goes with it. An album is
asked about once, when all its files are in. Files past the report's MAX_FILES (the API refuses an addition that
would pass it, saying how many the report holds) are not all refused: those sent first that fit are added, and the
rest stay in the draft, said not to be added in the limit's own words (an "Add" that posted them and stopped before
it answered finds them on the report when tapped again, rather than a refusal of its key). With no room left at all
the refusal is said in the API's words and no file is attached; a place sent at the question, said then to go with
the files, is posted alone (its line, a comment of its own). Either way the question is asked again without "Add",
which could only be refused again (an "Add" of the question on screen before is answered with that in an alert,
ADD_FULL), so "New report" (or /cancel, which deletes them) is what is left. A report closed meanwhile is said so in
words of its own (not the API's "not available in the report's current status"), and the files go on as if there were
no report to add to. "Add" waits for a file still being stored (said so; the question comes again once it is in): it
would otherwise be stored for a draft gone, and deleted unsaid. Not for one past the limit still downloading (its place
given up to a file sent before it: never added): "Add" goes on without it and says so, and a caption goes with the
comment only with its file, never as words about a file staff do not get.

A voice message or audio file sent without words is asked about in the same one question, with "No" besides
(ADD_VOICE): a question is asked by voice as often as an offence is told, and "No" deletes it at once, as report_offer's
"No" does; "Add" without words says it is a voice message (or an audio recording). With no recent report it is asked
"File a report with this?" (report_offer).
"""

from __future__ import annotations

import uuid
from typing import Any

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User

from backend.context import Context
from backend.lib.errors import ZanError
from backend.lib.i18n import pick
from backend.lib.messages import ERRORS
from bots.citizen import keyboards, report_offer, service
from bots.citizen.legal_flow import legal_question
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.report_asked import captions, joined, keep_typed, take_offer
from bots.citizen.report_draft import (
    ADD_CAPTIONS,
    ADD_FULL,
    ADD_NUMBER,
    ADD_TO,
    ADD_VOICE,
    FILED_SINCE,
    MAX_FILES,
    MAX_REPORT_TEXT,
    NOT_DESCRIPTION,
    PART_SEPARATOR,
    ReportForm,
    draft_data,
    drop_draft,
    incoming,
    keep_place,
    open_draft,
    parts_text,
    resume,
    shortened,
    too_short,
)
from bots.citizen.report_files import (
    GONE,
    KEPT,
    ON_ITS_WAY,
    SENT_AGAIN,
    TAKEN_ALREADY,
    album_at_question,
    keep_early_file,
    nothing_to_ask,
)
from bots.citizen.report_offer import report_from_evidence
from bots.citizen.report_storing import being_stored, given_up, sent_files
from bots.citizen.texts import t
from bots.citizen.typed_answers import ADD_WORDS, NEW_WORDS, NO_WORDS, typed_words

handlers = Handlers()
ADD_YES, ADD_NEW = "report:add_to", "report:add_new"
# the quote of the captions "Add" did not post with their files (past the limit): enough to tell which photo it was
WITHHELD_QUOTE_CHARS = 200


def addable(message: Message) -> bool:
    """A file a report takes (a voice message or audio file too)."""
    return incoming(message) is not None


def unworded_voice(message: Message) -> str:
    """"voice" or "audio" for a voice message or audio file sent without words (it may be a question), else ""."""
    if message.caption:
        return ""
    return "voice" if message.voice is not None else "audio" if message.audio is not None else ""


@handlers.message(StateFilter(None), addable)
async def offer_addition(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                         linked: service.ChatUser | None) -> None:
    """A file outside a report: asked about while a recent report is open, else it starts a draft as before (a voice
    message without words asked "File a report with this?"). An album's other files come in the `adding` state
    (addition_pending). A chat never linked has filed nothing."""
    recent = await service.recent_open_report(ctx, linked.citizen_id) if linked is not None else None
    if recent is None:
        await as_if_none_recent(message, state, bot, ctx, lang, linked)
        return
    await open_draft(state, ctx, message.message_id, ReportForm.adding)
    await state.update_data({ADD_TO: str(recent.id), ADD_NUMBER: recent.number, ADD_VOICE: unworded_voice(message)})
    await addition_pending(message, state, bot, ctx, lang, linked)


async def as_if_none_recent(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                            linked: service.ChatUser | None) -> None:
    if unworded_voice(message):
        await report_offer.offer_report(message, state, bot, ctx, lang, linked)
    else:
        await report_from_evidence(message, state, bot, ctx, lang, linked)


@handlers.callback_query(ReportForm.adding, F.data == ADD_YES)
async def add_to_report(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str,
                        linked: service.ChatUser | None) -> None:
    """"Add": the draft's files as one comment on the report, once (the draft's key is the comment's idempotency
    key: a redelivered tap replays it). Then the chat is as after filing a report (FILED_SINCE: a second tap of this
    question's buttons is silent, not "nothing was sent")."""
    data = await state.get_data()  # there (a draft whose data expired is report_expired's)
    if being_stored(data):
        # a file sent meanwhile is on its way: attached now without it, it would be stored for a draft gone and
        # deleted unsaid. Its own answer asks the question again once it is in. Not one that gave its place up to a
        # file sent before it (past the limit, never added): add_files goes on without it, and says so
        await callback.answer(t("report_add_wait", lang), show_alert=True)
        return
    if data.get(ADD_FULL):
        # the "Add" of the question asked before the refusal (a double tap, or the citizen scrolled up): refused
        # again it would be a second refusal and a third copy of the question; the refusal is remembered instead
        await callback.answer(t("report_add_full_ask", lang, number=str(data.get(ADD_NUMBER) or "")),
                              show_alert=True)
        return
    await callback.answer()
    if isinstance(callback.message, Message):
        await add_files(callback.message, state, ctx, lang, linked, callback.from_user)


async def add_files(message: Message, state: FSMContext, ctx: Context, lang: str, linked: service.ChatUser | None,
                    sender: User | None) -> None:
    """The draft's files posted as one comment on the report ("Add" tapped, or its words typed: `message` is the
    one answered under)."""
    data = await state.get_data()
    key, number = str(data["key"]), str(data.get(ADD_NUMBER) or "")
    report_id = uuid.UUID(str(data[ADD_TO]))
    kept = await service.draft_files(ctx, key)
    files = [media_id for media_id, _ in kept]
    place = _place_line(data, lang)
    limit = MAX_REPORT_TEXT - len(PART_SEPARATOR + place) if place else MAX_REPORT_TEXT
    user = await citizen_of(ctx, linked, sender, message.chat.id, lang)
    taken = files
    while True:
        posted, left = _captions_of(data, kept, taken)
        # the captions of the files posted; never words typed meanwhile, which were answered as a question
        # (report_asked). Cut (and said so) to leave room for the place's line, a fact staff act on
        words, cut = joined(captions(posted), lang, limit)
        text = PART_SEPARATOR.join(part for part in (words or _default_words(data, taken, lang), place) if part)
        try:
            await service.comment_on_report(ctx, citizen_id=user.citizen_id, report_id=report_id, text=text,
                                            media_ids=taken, idempotency_key=f"telegram:{key}:add")
            break
        except ZanError as exc:
            if exc.status >= 500:
                raise  # the error handler apologises; the draft is kept for another tap
            if exc.code == "idempotency.key_reused":
                # an "Add" of this draft posted the files that fit under its key, and stopped before it answered
                # (the bot stopped, a commit's acknowledgement was lost): this tap again posts them all first, a body
                # the key does not hold. What it attached is the report's already: said so, the rest kept
                taken = await service.on_report(ctx, report_id, files)
                left = _captions_of(data, kept, taken)[1]
                break
            room = _room(exc)
            if room == 0 and place:
                # the report was full before "Add": no file fits, but the place, said to go with them when it was
                # sent, still does
                await _place_alone(message, state, ctx, lang, user.citizen_id, report_id, key, number, place,
                                   len(files))
                return
            if room is None or not 0 < room < len(taken):
                # refused as a whole (one transaction): nothing attached, the files still the draft's
                await add_refused(message, state, ctx, lang, exc, number)
                return
            # the report's limit would be passed: the files sent first that fit are added rather than none (a
            # citizen who sent seven photos lost them all), the rest said not to be, in the limit's own words.
            # Refused, the key was not remembered: the same key posts the files that fit (fewer each time round,
            # should another addition have taken room meanwhile)
            taken = files[:room]
    done = [t("report_add_done", lang, number=number, count=len(taken)) if taken else "", cut,
            t("report_add_place_added", lang, number=number) if place else ""]
    if len(taken) < len(files):
        await _rest_kept(message, state, ctx, lang, key, number, taken, len(files) - len(taken), done, left)
        return
    # the draft ends here: a file past the limit still downloading, once stored, finds it gone and is deleted
    # unsaid, so this answer says it was not added, and that its caption was not either
    done.append(_past_limit(data, left, lang))
    await state.set_data({FILED_SINCE: data.get("since", 0)})
    await state.set_state(None)
    await service.forget_draft(ctx, key)  # the files are the report's now
    await message.answer(_lines(done), reply_markup=keyboards.main_menu(lang))


async def _rest_kept(message: Message, state: FSMContext, ctx: Context, lang: str, key: str, number: str,
                     taken: list[uuid.UUID], left: int, done: list[str], left_captions: dict[str, str]) -> None:
    """Files added up to the report's limit: the rest (sent last) stay in the draft, said not to be added and why,
    and the question is asked again without "Add" (ADD_FULL: the report is full), so "New report" files them or
    /cancel deletes them: nothing the citizen sent is dropped unsaid. The captions of the files added went with the
    comment; those of the rest (`left_captions`) stay with them, a new report's description. With Redis gone since
    the update began, resume still says what was added (and asks for the tap again)."""
    await service.forget_draft(ctx, key, taken)  # the report's now
    await state.update_data({ADD_FULL: True, ADD_CAPTIONS: left_captions or None, ADD_VOICE: None})
    reason = pick(ERRORS["media.too_many"], lang).rstrip(".")
    await resume(message, state, ctx, lang, _lines([*done, t("report_add_over_limit", lang, count=left,
                                                                   reason=reason)]))


async def _place_alone(message: Message, state: FSMContext, ctx: Context, lang: str, citizen_id: uuid.UUID,
                       report_id: uuid.UUID, key: str, number: str, place: str, files: int) -> None:
    """A report full before "Add" takes none of the draft's files, but the place sent at the question, said then to
    go to the report with them, is posted alone: its line, a comment of its own (its own idempotency key: the files'
    is the files' body). The files and their captions stay in the draft (a new report's, or /cancel), said so, and
    the question is asked again without "Add" (ADD_FULL); the place stays a new report's place too."""
    try:
        await service.comment_on_report(ctx, citizen_id=citizen_id, report_id=report_id, text=place, media_ids=[],
                                        idempotency_key=f"telegram:{key}:place")
    except ZanError as exc:
        if exc.status >= 500:
            raise  # the error handler apologises; the draft is kept for another tap
        await add_refused(message, state, ctx, lang, exc, number)  # closed meanwhile, say
        return
    await state.update_data({ADD_FULL: True})
    reason = pick(ERRORS["media.too_many"], lang).rstrip(".")
    await resume(message, state, ctx, lang, _lines([t("report_add_place_added", lang, number=number),
                                                    t("report_add_none_fit", lang, count=files, reason=reason)]))


def _captions_of(data: dict[str, Any], kept: list[tuple[uuid.UUID, str]],
                 taken: list[uuid.UUID]) -> tuple[dict[str, str], dict[str, str]]:
    """The captions (ADD_CAPTIONS, by message) of the `taken` of the draft's files (`kept`: media id,
    file_unique_id), and those of every other file that took a place noting its message (report_storing.SENT): left
    in the draft, or never in it (one past the limit still downloading: its place given up to a file sent before it,
    which "Add" does not wait for). A caption goes with the comment only with its file: the police would read words
    about a photo they never got, and the citizen be told nothing of it. One whose file's message is not known (a
    conversation from before that was noted, or a second message of a file already kept) goes with the taken, as all
    of them went before."""
    posted = {uid for media_id, uid in kept if media_id in taken}
    left = {str(message_id) for uid, (message_id, _) in sent_files(data).items() if uid not in posted}
    every = {str(message_id): str(text) for message_id, text in dict(data.get(ADD_CAPTIONS) or {}).items()}
    return ({message_id: text for message_id, text in every.items() if message_id not in left},
            {message_id: text for message_id, text in every.items() if message_id in left})


def _past_limit(data: dict[str, Any], left: dict[str, str], lang: str) -> str:
    """What a whole "Add" says of the files still on their way that gave their place up to files sent before them
    (report_storing.given_up): not added, as none ever is, and their captions (among `left`: never posted) not
    either, quoted so the citizen knows which ones. Rather than wait for them (a slow video can take a minute) only to
    throw them away, "Add" goes at once with the files that fit and says plainly what did not go: what a citizen
    would want, over words posted about a photo the police never get. "" when there are none."""
    extra = given_up(data)
    if not extra:
        return ""
    theirs = {str(message_id) for _, message_id in extra}
    words = {message_id: text for message_id, text in left.items() if message_id in theirs}
    said = t("report_files_over_limit", lang, max=MAX_FILES, extra=len(extra))
    if not words:
        return said
    quote = shortened(parts_text(captions(words)), WITHHELD_QUOTE_CHARS)
    return f"{said}\n{t('report_add_captions_not_added', lang, text=quote)}"


def _default_words(data: dict[str, Any], taken: list[uuid.UUID], lang: str) -> str:
    """A comment's words when no file had a caption: what was added, named ("a voice message" only when it is all
    that is added: photos may have followed it)."""
    alone = str(data.get(ADD_VOICE) or "") if len(taken) == 1 else ""
    return t({"voice": "report_add_voice_comment", "audio": "report_add_audio_comment"}.get(alone,
                                                                                           "report_add_comment"), lang)


def _place_line(data: dict[str, Any], lang: str) -> str:
    """The comment's last line with the place sent at the question ("" without one): a filed report's place cannot
    be changed (no API step does), so staff get it as coordinates in the comment."""
    if "lat" not in data:
        return ""
    return t("report_add_place_line", lang, lat=f"{float(data['lat']):.6f}", lon=f"{float(data['lon']):.6f}")


def _lines(said: list[str]) -> str:
    return "\n".join(line for line in said if line)


def _room(exc: ZanError) -> int | None:
    """How many more files the report takes, from the API's refusal for its limit (`attached`, `max`); None for
    any other refusal."""
    if exc.code != "media.too_many" or "attached" not in exc.extra:
        return None
    return int(exc.extra.get("max", MAX_FILES)) - int(exc.extra["attached"])


async def add_refused(message: Message, state: FSMContext, ctx: Context, lang: str, exc: ZanError,
                      number: str) -> None:
    """The API's refusal said in its own words and the question asked again ("New report" is still there). Refused
    as the report's files would pass the limit (they are never taken off a report, and the draft's only grow), "Add"
    could only be refused again: the question comes without it (ADD_FULL). A report closed meanwhile takes nothing
    any more either, so the files go on as with no report to add to (a voice message asked "File a report with
    this?", other files a new report's)."""
    if exc.code != "report.transition_forbidden":
        if exc.code == "media.too_many":
            await state.update_data({ADD_FULL: True})
        reason = pick(ERRORS.get(exc.code, ERRORS["internal"]), lang).rstrip(".")
        await resume(message, state, ctx, lang, t("report_add_refused", lang, number=number, reason=reason))
        return
    voice = bool((await state.get_data()).get(ADD_VOICE))
    await state.update_data({ADD_TO: None, ADD_NUMBER: None, ADD_VOICE: None})
    if voice:
        await state.set_state(ReportForm.offered)
        await resume(message, state, ctx, lang, t("report_add_closed", lang, number=number))
        return
    await message.answer(t("report_add_closed", lang, number=number))
    await take_offer(message, state, ctx, lang)


@handlers.callback_query(ReportForm.adding, F.data == ADD_NEW)
async def add_as_new(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"New report": on as a file sent outside a report always went, its files kept."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await take_offer(callback.message, state, ctx, lang)


@handlers.message(ReportForm.adding)
async def addition_pending(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                           linked: service.ChatUser | None) -> None:
    """Anything while the question waits. A file is kept in the draft, its caption kept as words of the comment (or
    of the new report's description; dropped with its file should that be refused), and the question asked again
    after what became of it (an album once all its files are in). Words are answered as a question is (a cry for
    help must not wait for a choice) and kept only to be offered to a new report (report_asked.keep_typed); a
    location is kept as a new report's place. A first file that cannot be kept leaves nothing to ask about: said
    why, and no draft. The question's own answers typed as words ("добавить", "жаңа өтініш", "no") do what its
    buttons do."""
    if message.text and await answer_typed(message, state, ctx, lang, linked):
        return
    if message.text and not message.text.startswith("/"):
        if message.text not in NOT_DESCRIPTION:
            await legal_question(message, bot, ctx, state, lang, linked)
            await keep_typed(message, state)
        await resume(message, state, ctx, lang)
        return
    if message.location is not None:
        if await keep_place(message, state, ctx):
            # a filed report's place cannot be changed: "Add" posts it as coordinates in the comment, said so now
            # (not once "Add" is gone from the question, the report being full: a new report's place only)
            data = await state.get_data()
            number = str(data.get(ADD_NUMBER) or "")
            note = t("report_location_kept", lang) + ("" if data.get(ADD_FULL) else "\n" + t(
                "report_add_place_as_comment", lang, number=number))
        else:
            note = t("report_location_outside_early", lang)
        await resume(message, state, ctx, lang, note)
        return
    # read whole or not at all (DraftUnreadable, nothing kept: "send that again"), not a partial read's KeyError
    data = await draft_data(state)
    key = str(data["key"])
    caption = (message.caption or "").strip()
    if caption and not caption.startswith("/"):
        # kept before the file is stored: "New report" tapped meanwhile takes it with the file on its way. By its
        # message, which its file's place notes (report_storing.SENT): an "Add" that takes only some of the files
        # posts only their captions
        await state.update_data({ADD_CAPTIONS: {**dict(data.get(ADD_CAPTIONS) or {}),
                                                str(message.message_id): caption}})
    outcome, note = await keep_early_file(message, state, bot, ctx, lang, linked, data)
    if outcome in (TAKEN_ALREADY, GONE):
        return  # a re-delivered update (answered the first time), or the draft dropped meanwhile
    # the caption taken out of a description it was taken into meanwhile ("New report" tapped while it was stored)
    # (not of a file sent again, kept or on its way: it is the draft's, and so are the words under it)
    dropped = outcome not in (KEPT, SENT_AGAIN, ON_ITS_WAY) and await _drop_caption(state, key, message.message_id)
    told = note  # what became of it: said alone should the question be answered while the file was stored
    if outcome == KEPT:
        note = ""  # the question says it
    if message.media_group_id:
        answer = await album_at_question(message, state, key, ReportForm.adding, note)
        if answer is None:
            if dropped:  # the question answered meanwhile: the description changed under the citizen's eyes
                await resume(message, state, ctx, lang, f"{told}\n{t('report_caption_dropped', lang)}")
            return  # another file of the album answers, or the question was answered meanwhile
        note = answer
    elif outcome == ON_ITS_WAY or await state.get_state() != ReportForm.adding.state:
        # answered meanwhile ("New report": the file stored with the chat let go): what became of it, and of its
        # caption quoted as the description, with the step asked again (the description, should nothing be left)
        if dropped:
            await resume(message, state, ctx, lang, f"{told}\n{t('report_caption_dropped', lang)}")
        elif told:  # or the file's first copy still on its way: its own answer asks the question, once kept
            await message.answer(told)
        return
    if await nothing_to_ask(state, ctx, key):
        await drop_draft(state, ctx)
        await message.answer(note or t("report_file_not_kept", lang), reply_markup=keyboards.main_menu(lang))
        return
    await resume(message, state, ctx, lang, note)


async def _drop_caption(state: FSMContext, key: str, message_id: int) -> bool:
    """A file refused (too large, past the limit, the store down): its caption goes with it, as words of a comment
    or a description it was written for it would tell of a file staff never get. "New report" tapped while the file
    was stored took the caption (kept before the download) into the new report's description: taken out of that too
    (True), and the description step is back when nothing of it is left."""
    data = await state.get_data()
    kept = dict(data.get(ADD_CAPTIONS) or {})
    if data.get("key") != key or kept.pop(str(message_id), None) is None:
        return False
    parts = [list(part) for part in data.get("parts", [])]
    left = [part for part in parts if part[0] != message_id]
    if len(left) == len(parts):
        await state.update_data({ADD_CAPTIONS: kept})
        return False
    text = parts_text(left)
    short = too_short(text)
    await state.update_data({ADD_CAPTIONS: kept, "text": None if short else text, "parts": [] if short else left})
    if short:
        await state.set_state(ReportForm.text)
    return True


async def answer_typed(message: Message, state: FSMContext, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> bool:
    """Whether `message`'s words are one of the question's answers, done as its button would do them: "Add" (not
    while a file is on its way, nor after a refusal for the report's limit: the question asked again says it),
    "New report", "No" (only when the question offers it: else asked again). Other words are False: a question."""
    words = typed_words(message.text or "")
    data = await state.get_data()
    if words in NEW_WORDS:
        await take_offer(message, state, ctx, lang)
    elif words in NO_WORDS and data.get(ADD_VOICE):
        await report_offer.declined(message, state, ctx, lang)
    elif words in NO_WORDS:
        await resume(message, state, ctx, lang)
    elif words not in ADD_WORDS:
        return False
    elif being_stored(data):
        await message.answer(t("report_add_wait", lang))
    elif data.get(ADD_FULL):
        await resume(message, state, ctx, lang)
    else:
        await add_files(message, state, ctx, lang, linked, message.from_user)
    return True
