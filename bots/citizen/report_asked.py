"""What the questions asked before a report ("File a report with this?" of a voice message, "Add to report № … / New
report" of files sent shortly after a report was filed) end in when a report is wanted, and what the citizen wrote
while they waited.

The captions of the files kept (ADD_CAPTIONS) are the citizen's words about those files: a new report takes them as
its description (quoted), "Add" as the comment's words. Words typed while a question waited (TYPED) were answered as a
legal question ("какое наказание за разбитое окно машины" is a question without its "?", as most are typed in chat),
so they are never used unasked: the description step offers the last of them with a "Use: «…»" button (report_text
takes them when tapped), and "Add" never posts them to staff. Words joined from several captions past the limit of a
description or a comment are cut, and the citizen told so.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from backend.context import Context
from bots.citizen import keyboards, service
from bots.citizen.report_draft import (
    ADD_CAPTIONS,
    ASKED,
    CONFIRM_QUOTE_CHARS,
    MAX_FILES,
    MAX_REPORT_TEXT,
    PART_SEPARATOR,
    TYPED,
    WRITING,
    ReportForm,
    draft_gone,
    resume,
    shortened,
    start_report,
    too_short,
)
from bots.citizen.texts import t


def captions(data: dict[str, Any]) -> list[list[Any]]:
    """The captions of the files kept while a question waited, in the order sent, as the description's parts
    ([message_id, text]); a refused file's caption went with it (report_addition)."""
    parts = [[int(message_id), str(text)] for message_id, text in dict(data.get(ADD_CAPTIONS) or {}).items()]
    return sorted(parts, key=lambda part: part[0])


def joined(parts: list[list[Any]], lang: str) -> tuple[str, str]:
    """The parts' words as one text within MAX_REPORT_TEXT (a description's and a comment's limit), and what to say
    of it: "" when whole, else that it was cut (five captions of 1024 characters pass it)."""
    text = PART_SEPARATOR.join(str(part[1]) for part in parts)
    if len(text) <= MAX_REPORT_TEXT:
        return text, ""
    return text[:MAX_REPORT_TEXT], t("report_words_cut", lang, max=MAX_REPORT_TEXT)


async def keep_typed(message: Message, state: FSMContext) -> None:
    """Words typed while a question waits (answered as a question already) kept to be offered at the description
    step: the last that could be a description (a correction replaces what it corrects; "ок" leaves what was kept)."""
    text = (message.text or "").strip()
    if not too_short(text) and not text.startswith("/"):
        await state.update_data({TYPED: [message.message_id, text]})


async def take_offer(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """The report offered for a voice message (or files sent shortly after a report: "New report") is wanted: on to
    the description, the files kept said. The captions of the files, when they are enough for a description, are it:
    used, and quoted so the citizen sees what was taken (asking for it again made them type what they had just
    written). Otherwise the description is asked for, words typed meanwhile offered with a button (resume)."""
    data = await state.get_data()
    if "key" not in data:
        await draft_gone(message, state, data, lang)  # the draft's data expired before its state
        return
    await state.set_state(ReportForm.text)
    kept = len(await service.draft_media(ctx, str(data["key"])))
    lead = t("report_files_so_far", lang, count=kept, max=MAX_FILES) if kept else ""
    parts = captions(data)
    text, cut = joined(parts, lang)
    if parts and not too_short(text):
        # the typed words are not offered once the captions describe it: they were answered as a question
        await state.update_data({"text": text, "parts": parts, TYPED: None})
        placed = "lat" in data
        await state.set_state(ReportForm.photo if placed else ReportForm.location)
        taken = t("report_words_taken", lang, text=shortened(text, CONFIRM_QUOTE_CHARS))
        taken = f"{taken}\n{cut}" if cut else taken
        # the files step counts the files itself
        lead = taken if placed or not lead else f"{taken}\n{lead}"
    await resume(message, state, ctx, lang, lead)


async def start_or_ask(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Report" (/report, the menu's button): a report started; while one is being written, the citizen asked
    whether to go on with it or start again (starting again at once dropped all they had sent, without a word), the
    draft kept until they choose; a report offered for a voice message is taken."""
    step = await state.get_state()
    if step in ASKED and await _asked_lost(message, state, lang):
        await start_report(message, state, ctx, lang)
    elif step in ASKED:
        await take_offer(message, state, ctx, lang)
    elif step in WRITING:
        await message.answer(t("report_restart_ask", lang), reply_markup=keyboards.continue_or_restart(lang))
    else:
        await start_report(message, state, ctx, lang)


async def start_or_resume(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """"File a report" under a legal answer: a report started, or the one being written asked on with (the button
    is on an older message: tapping it mid-report dropped all the citizen had sent, without a word); a report
    offered for a voice message is taken."""
    if await state.get_state() in ASKED and await _asked_lost(message, state, lang):
        await start_report(message, state, ctx, lang)
    elif await state.get_state() in ASKED:
        await take_offer(message, state, ctx, lang)
    elif not await resume(message, state, ctx, lang, t("report_in_progress", lang)):
        await start_report(message, state, ctx, lang)


async def _asked_lost(message: Message, state: FSMContext, lang: str) -> bool:
    """Whether the question's draft data expired before its state (said so: the files sent are gone). "Report" then
    starts a new report, as it would with no question asked: take_offer's "this button sent nothing, start again"
    would answer a citizen who just did that."""
    data = await state.get_data()
    if "key" in data:
        return False
    await draft_gone(message, state, data, lang, "report_draft_lost")
    return True
