"""What the questions asked before a report ("File a report with this?" of a voice message, "Add to report № … / New
report" of files sent shortly after a report was filed) end in when a report is wanted, and what the citizen wrote
while they waited.

The captions of the files kept (ADD_CAPTIONS) are the citizen's words about those files: a new report takes them as
its description (quoted), "Add" as the comment's words. Words typed while a question waited (TYPED) were answered as a
legal question ("какое наказание за разбитое окно машины" is a question without its "?", as most are typed in chat),
so they are never used unasked: the description step offers them, joined in the order typed, with a "Use: «…»"
button (report_text takes them when tapped), and "Add" never posts them to staff. Words joined from several captions
or typed messages past the limit of a description or a comment are cut, and the citizen told so.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    draft_lost,
    parts_text,
    resume,
    shortened,
    start_report,
    too_short,
    typed_parts,
)
from bots.citizen.texts import t


def captions(kept: Mapping[Any, Any] | None) -> list[list[Any]]:
    """The captions of the files kept while a question waited (ADD_CAPTIONS: message id → text), in the order sent,
    as the description's parts ([message_id, text]); a refused file's caption went with it (report_addition)."""
    parts = [[int(message_id), str(text)] for message_id, text in dict(kept or {}).items()]
    return sorted(parts, key=lambda part: part[0])


def fitted(parts: list[list[Any]], lang: str, limit: int = MAX_REPORT_TEXT) -> tuple[list[list[Any]], str]:
    """The parts as many as fit `limit` (MAX_REPORT_TEXT: a description's and a comment's limit; less when a comment
    has a line of its own to carry) once joined, the last of them cut to fit, and what to say of it: "" when whole,
    else that it was cut (five captions of 1024 characters pass it). Cut as parts, not as one text: a description is
    kept as its parts, and an edit of one joins them again."""
    if len(parts_text(parts)) <= limit:
        return parts, ""
    kept: list[list[Any]] = []
    room = limit
    for message_id, text in parts:
        room -= len(PART_SEPARATOR) if kept else 0
        if room <= 0:
            break
        kept.append([message_id, str(text)[:room]])
        room -= len(kept[-1][1])
    return kept, t("report_words_cut", lang, max=limit)


def joined(parts: list[list[Any]], lang: str, limit: int = MAX_REPORT_TEXT) -> tuple[str, str]:
    """The parts' words as one text within `limit`, and what to say of it (fitted)."""
    kept, cut = fitted(parts, lang, limit)
    return parts_text(kept), cut


def words_taken(parts: list[list[Any]], lang: str) -> str:
    """What says the parts became the description, quoted (shortened): "your messages (3) are joined" when more than
    one was, so a citizen who told it in several messages sees all of them were taken, not one."""
    quote = shortened(parts_text(parts), CONFIRM_QUOTE_CHARS)
    if len(parts) > 1:
        return t("report_words_taken_many", lang, count=len(parts), text=quote)
    return t("report_words_taken", lang, text=quote)


def _typeable(text: str) -> bool:
    """Whether typed words could be a description ("ок" or a command is not)."""
    return not too_short(text) and not text.startswith("/")


def _in_order(parts: list[list[Any]]) -> list[list[Any]]:
    """Typed parts in the order typed (message ids: Telegram posts a webhook's updates side by side, and the chat's
    lock takes the waiting ones in no set order), the same words once (sent again when the answer was slow)."""
    seen: set[str] = set()
    kept: list[list[Any]] = []
    for part in sorted(parts, key=lambda part: int(part[0])):
        if part[1] not in seen:
            seen.add(part[1])
            kept.append(part)
    return kept


async def keep_typed(message: Message, state: FSMContext) -> None:
    """Words typed while a question waits (answered as a question already) kept to be offered at the description
    step, in the order typed: any that could be a description. Not once those kept fill a description: more would
    only be cut."""
    text = (message.text or "").strip()
    if not _typeable(text):
        return
    typed = typed_parts(await state.get_data())
    if any(part[0] == message.message_id for part in typed):
        return  # the same message again (a re-delivered update)
    if len(parts_text(typed)) >= MAX_REPORT_TEXT:
        return
    await state.update_data({TYPED: _in_order([*typed, [message.message_id, text]])})


async def typed_edited(message: Message, state: FSMContext) -> bool:
    """Filter: `message` (an edit) is one of the messages kept to be offered (TYPED)."""
    return any(part[0] == message.message_id for part in typed_parts(await state.get_data()))


async def correct_typed(message: Message, state: FSMContext) -> None:
    """An edit of a message kept to be offered: its words corrected in the offer (gone from it when they could be no
    description any more), the others kept as they are."""
    text = (message.text or "").strip()
    others = [part for part in typed_parts(await state.get_data()) if part[0] != message.message_id]
    await state.update_data({TYPED: _in_order([*others, [message.message_id, text]] if _typeable(text) else others)})


async def take_offer(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """The report offered for a voice message (or files sent shortly after a report: "New report") is wanted: on to
    the description, the files kept said. The captions of the files, when they are enough for a description, are it:
    used, and quoted so the citizen sees what was taken (asking for it again made them type what they had just
    written). Otherwise the description is asked for, words typed meanwhile offered with a button (resume)."""
    data = await state.get_data()  # there: a draft whose data expired is report_expired's (draft_lost)
    await state.set_state(ReportForm.text)
    kept = len(await service.draft_media(ctx, str(data["key"])))
    lead = t("report_files_so_far", lang, count=kept, max=MAX_FILES) if kept else ""
    parts, cut = fitted(captions(data.get(ADD_CAPTIONS)), lang)
    text = parts_text(parts)
    if parts and not too_short(text):
        # the typed words (TYPED) are kept, not offered: should a refused file's caption take the description away
        # again (report_addition), the description step offers them (taking one clears them: take_description)
        await state.update_data({"text": text, "parts": parts})
        placed = "lat" in data
        await state.set_state(ReportForm.photo if placed else ReportForm.location)
        taken = words_taken(parts, lang)
        taken = f"{taken}\n{cut}" if cut else taken
        # the files step counts the files itself
        lead = taken if placed or not lead else f"{taken}\n{lead}"
    await resume(message, state, ctx, lang, lead)


async def start_or_ask(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """"Report" (/report, the menu's button): a report started; while one is being written, the citizen asked
    whether to go on with it or start again (starting again at once dropped all they had sent, without a word), the
    draft kept until they choose; a report offered for a voice message is taken."""
    step = await state.get_state()
    if await draft_lost(message, state, lang):
        # as with no draft at all: "continue or start again?" would offer a draft that is gone
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
    offered for a voice message is taken. A draft whose data expired is said to be gone (draft_lost, in resume too),
    and a new report started."""
    if await draft_lost(message, state, lang):
        await start_report(message, state, ctx, lang)
    elif await state.get_state() in ASKED:
        await take_offer(message, state, ctx, lang)
    elif not await resume(message, state, ctx, lang, t("report_in_progress", lang), lead_alone=False):
        await start_report(message, state, ctx, lang)
