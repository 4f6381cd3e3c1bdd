"""A report begun by what the citizen sends outside one. A photo, video, round video or file of a kind a report takes,
or a location, starts a draft that keeps it (the file as evidence, the location as the place) and asks for the
description, as if it had been sent at the description step (report_text takes it from there: its caption as the
description, an album answered once, the limits said). A voice message or audio file is kept in a draft too, but the
citizen is asked first ("File a report with this?" Yes / No): a question is asked by voice as often as an offence is
told, and the bot answers questions in words only. "No" deletes the draft and its files at once; "Report" or words
written under a file (a caption) while the question waits are a Yes. One with words under it is a report at once.
Words typed while the question waits are answered as a question (as anywhere outside a report), and kept in the order
typed (report_asked.keep_typed): a Yes asks for the description and offers them with a "Use: «…»" button, never takes
them unasked (a question typed without its "?" is still a question). While the citizen has a recent open report,
report_addition takes any of these files first and asks whether to add it to that report.
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from bots.citizen import keyboards, service
from bots.citizen.legal_flow import legal_question
from bots.citizen.registry import Handlers
from bots.citizen.report_asked import keep_typed, take_offer
from bots.citizen.report_draft import (
    ADD_NUMBER,
    DECLINED_SINCE,
    NOT_DESCRIPTION,
    ReportForm,
    draft_data,
    drop_draft,
    incoming,
    keep_place,
    open_draft,
    resume,
)
from bots.citizen.report_files import (
    GONE,
    KEPT,
    ON_ITS_WAY,
    TAKEN_ALREADY,
    album_at_question,
    keep_early_file,
    nothing_to_ask,
)
from bots.citizen.report_text import report_place_first, report_text_missing
from bots.citizen.storage import step_now
from bots.citizen.texts import t
from bots.citizen.typed_answers import NO_WORDS, YES_WORDS, typed_words

handlers = Handlers()
OFFER_YES, OFFER_NO = "report:offer_yes", "report:offer_no"


def evidence(message: Message) -> bool:
    """A location, or a file a report takes (a document of another type, a PDF, is no offence's evidence)."""
    return message.location is not None or incoming(message) is not None


async def offer_report(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                       linked: service.ChatUser | None) -> None:
    """A voice message or audio file sent without words outside a report, the citizen having no recent open report
    to add it to (report_addition takes it first, and asks "Add to report № … / New report / No" otherwise): kept in
    a draft, and the citizen asked whether to file a report with it. Its `since` is the message's own: the
    question's buttons, and any message after it, are the draft's. An album's other files come in the `offered` state
    (offer_pending). One that cannot be kept (too large, the store down) leaves nothing to offer: said why, and no
    draft."""
    await open_draft(state, ctx, message.message_id, ReportForm.offered)
    if message.media_group_id:
        await offer_pending(message, state, bot, ctx, lang, linked)
        return
    outcome, note = await keep_early_file(message, state, bot, ctx, lang, linked)
    # the question's step as the update read it, should Redis have gone away while the file was stored: taken for
    # none, a kept file went unanswered (resume says the question cannot be asked now, and a file sent again is
    # answered, SENT_AGAIN)
    if outcome in (TAKEN_ALREADY, GONE) or await step_now(state) != ReportForm.offered.state:
        return  # a re-delivered update, or the draft cancelled (or taken) while the file was stored
    if outcome == KEPT:
        await resume(message, state, ctx, lang)
        return
    await drop_draft(state, ctx)
    await message.answer(note, reply_markup=keyboards.main_menu(lang))


@handlers.message(StateFilter(None), evidence)
async def report_from_evidence(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                               linked: service.ChatUser | None) -> None:
    """A photo, video or location outside a report (a citizen who sends the photo of an offence first expects a
    report of it): a draft started with it, as if sent at the description step. An album starts one draft: its first
    file through starts it, and the others, let in while that one is downloaded, find the description step."""
    await open_draft(state, ctx, message.message_id)
    if message.location is not None:
        await report_place_first(message, state, ctx, lang)
    else:
        await report_text_missing(message, state, bot, ctx, lang, linked)


@handlers.callback_query(ReportForm.offered, F.data == OFFER_YES)
async def offer_taken(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await take_offer(callback.message, state, ctx, lang)


@handlers.callback_query(StateFilter(ReportForm.offered, ReportForm.adding), F.data == OFFER_NO)
async def offer_declined(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str) -> None:
    """"No" (to "File a report with this?", or to "Add to report № … / New report / No" asked of a voice message):
    the draft and its files go at once (a voice message is personal data the citizen did not file), and the citizen
    is told to type a question, which is what a voice message that is no report mostly was; in words that say what
    went (the files sent meanwhile too, not "the file")."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await declined(callback.message, state, ctx, lang)
    else:
        await drop_offered(state, ctx)  # a message too old to answer under: the files go all the same


async def declined(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """The question answered "No" (its button, or the word typed: report_addition.answer_typed)."""
    data = await state.get_data()
    number = data.get(ADD_NUMBER) if await state.get_state() == ReportForm.adding.state else None
    count = await drop_offered(state, ctx)
    if "since" in data:
        # the question answered: the other tap of a double "No" is silent (report_confirm.report_stale_button), not
        # "this draft is no longer kept"
        await state.set_data({DECLINED_SINCE: data["since"]})
    if number:
        said = t("report_add_declined", lang, number=number)
    else:
        said = t("report_offer_declined_files", lang, count=count) if count > 1 else t("report_offer_declined", lang)
    await message.answer(said, reply_markup=keyboards.main_menu(lang))


async def drop_offered(state: FSMContext, ctx: Context) -> int:
    """The offered draft dropped ("No", /cancel), its files deleted at once: a voice message is personal data the
    citizen did not file, not left a week for the unused-media purge. How many files it had."""
    files = await service.draft_media(ctx, str((await state.get_data()).get("key") or ""))
    await drop_draft(state, ctx)
    for media_id in files:
        await service.discard_media(ctx, media_id)
    return len(files)


@handlers.message(ReportForm.offered)
async def offer_pending(message: Message, state: FSMContext, bot: Bot, ctx: Context, lang: str,
                        linked: service.ChatUser | None) -> None:
    """Anything while the question waits: a file is kept in the draft, a location as its place, and the question
    asked again after what became of it (an album once); words are answered as a question is, and the question asked
    again below (a cry for help must not wait for a Yes or No). A file with words under it tells what happened: the
    report is wanted, and they describe it."""
    if message.caption and incoming(message) is not None:
        await state.set_state(ReportForm.text)
        await report_text_missing(message, state, bot, ctx, lang, linked)
        return
    if message.text and not message.text.startswith("/"):
        # words typed instead of choosing: answered as a question anywhere is ("помогите, ко мне ломятся" gets its
        # 102 lead at once), then the question about the voice message asked again (the menu's "Legal question"
        # button is no question: only the question is asked again)
        words = typed_words(message.text)
        if words in YES_WORDS:  # "да" typed instead of tapped: as the button (it was answered as a legal question)
            await take_offer(message, state, ctx, lang)
            return
        if words in NO_WORDS:
            await declined(message, state, ctx, lang)
            return
        if message.text not in NOT_DESCRIPTION:
            await legal_question(message, bot, ctx, state, lang, linked)
            await keep_typed(message, state)
        await resume(message, state, ctx, lang)
        return
    if message.location is not None:
        note = t("report_location_kept" if await keep_place(message, state, ctx) else "report_location_outside_early",
                 lang)
        await resume(message, state, ctx, lang, note)
        return
    # read whole or not at all (DraftUnreadable, nothing kept: "send that again"), not a partial read's KeyError
    data = await draft_data(state)
    key = str(data["key"])
    outcome, note = await keep_early_file(message, state, bot, ctx, lang, linked, data)
    if outcome in (TAKEN_ALREADY, GONE):
        return  # a re-delivered update (answered the first time), or the draft dropped meanwhile
    told = note  # what became of it: said alone should the question be answered while the file was stored
    if outcome == KEPT:
        note = ""  # the question says it: "kept with the report" would answer it before the citizen does
    if message.media_group_id:
        answer = await album_at_question(message, state, key, ReportForm.offered, note)
        if answer is None:
            return  # another file of the album answers, or the question was answered meanwhile
        note = answer
    elif outcome == ON_ITS_WAY or await state.get_state() != ReportForm.offered.state:
        # a Yes while it was stored (the chat let go): the report goes on, and the file is with it; or the file's
        # first copy still on its way, whose own answer asks the question once it is kept (not asked twice)
        if told:
            await message.answer(told)
        return
    if await nothing_to_ask(state, ctx, key):
        # an album of audio files none of which could be kept: nothing to ask about (as offer_report's one file)
        await drop_draft(state, ctx)
        await message.answer(note or t("report_file_not_kept", lang), reply_markup=keyboards.main_menu(lang))
        return
    await resume(message, state, ctx, lang, note)
