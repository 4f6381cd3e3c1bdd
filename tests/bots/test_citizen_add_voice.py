"""A voice message or audio file sent outside a report while the citizen has a recent open report is asked about in
one question: "Add to report № … / New report / No" (not "File a report with this?", which left no way to add it to
the report it most likely tells more of). "Add" posts it as a comment through report_addition's own path (its words:
a localized "voice message" / "audio recording", never words typed meanwhile, which were answered as a question),
"New report" goes on to the description, "No" deletes it at once. Real aiogram against the fake Bot API, real intake,
media pipeline and comments (the Ogg Opus and WAV files are real recordings the media API sniffs)."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts, _media, _reports
from tests.bots.test_citizen_voice import _audio, _voice
from tests.fakes.telegram import FakeBot
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
# the question, its three buttons and what "Add" says, in each language
ASKS = {
    "ru": ("Добавить это сообщение к нему или подать новое обращение?", "Добавить к № {n}", "Новое обращение", "Нет",
           "К обращению № {n} добавлено файлов: 1"),
    "kk": ("Осы хабарламаны соған қосайын ба, әлде жаңа өтініш бересіз бе?", "№ {n} өтінішке қосу", "Жаңа өтініш",
           "Жоқ", "№ {n} өтінішке қосылған файлдар: 1"),
    "en": ("Add this message to it, or file a new report?", "Add to No. {n}", "New report", "No",
           "Files added to report No. {n}: 1"),
}
VOICE_COMMENT = {"ru": "🎙 К обращению добавлено голосовое сообщение.", "kk": "🎙 Өтінішке дауыстық хабарлама қосылды.",
                 "en": "🎙 A voice message added to the report."}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_voice_message_just_after_a_report_is_asked_add_new_or_no_and_added(ctx: Context,
                                                                                    citizen_tg: FakeBot,
                                                                                    lang: str) -> None:
    chat = Chat(ctx, citizen_tg, {"ru": 796001, "kk": 796002, "en": 796003}[lang])
    number = await _filed(chat, citizen_tg, lang)
    asks, add, new, no, added = ASKS[lang]
    before = len(chat.texts())
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    [asked] = chat.texts()[before:]  # one question, not "File a report with this?" and another
    assert asks in asked and (f"№ {number}" in asked or f"No. {number}" in asked), asked
    buttons = {b["text"]: b["callback_data"] for row in chat.last().inline_keyboard for b in row}
    assert buttons == {add.format(n=number): "report:add_to", new: "report:add_new", no: "report:offer_no"}, buttons

    await chat.taps("report:add_to")
    assert added.format(n=number) in chat.texts()[-1], chat.texts()[-1]
    [media] = await _files_of(ctx, number)
    assert media.kind == "audio"
    assert await _comments(ctx, number) == [VOICE_COMMENT[lang]]  # no words typed: says what was added
    assert len(await _reports(ctx)) == 1 and await _drafts(ctx) == []


async def test_words_typed_while_asked_are_not_the_comments_words(ctx: Context, citizen_tg: FakeBot) -> None:
    """They were answered as a question: posting them to staff as the citizen's comment could post a question."""
    chat = Chat(ctx, citizen_tg, 796004)
    number = await _filed(chat, citizen_tg)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    await chat.says(TEXT)  # answered as a question
    assert "Добавить это сообщение к нему" in chat.texts()[-1]  # the question again, below the answer
    await chat.taps("report:add_to")
    assert await _comments(ctx, number) == [VOICE_COMMENT["ru"]]
    assert len(await _files_of(ctx, number)) == 1


async def test_an_audio_file_added_without_words_says_it_is_a_recording(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 796005)
    number = await _filed(chat, citizen_tg, "en")
    await chat.feed(_audio(citizen_tg, chat, recording("wav", "pcm_s16le"), "audio/wav"))
    assert "Add this message to it" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:add_to")
    assert await _comments(ctx, number) == ["🎧 An audio recording added to the report."]


async def test_no_deletes_the_voice_message_and_adds_nothing(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 796006)
    number = await _filed(chat, citizen_tg)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    assert await _media(ctx) == 1
    await chat.taps("report:offer_no")
    said = chat.texts()[-1]
    assert f"к обращению № {number} ничего не добавлено" in said and "присланное удалено" in said, said
    assert chat.last().keyboard  # the menu again
    assert (await _drafts(ctx), await _media(ctx)) == ([], 0)  # deleted at once, as "No" does without a report
    assert await _comments(ctx, number) == [] and len(await _reports(ctx)) == 1


async def test_new_report_takes_the_voice_message(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 796007)
    number = await _filed(chat, citizen_tg)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    await chat.taps("report:add_new")
    assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1] and "Опишите, что произошло" in chat.texts()[-1]
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    reports = await _reports(ctx)
    assert len(reports) == 2 and await _comments(ctx, number) == []
    [media] = await _files_of(ctx, next(r.number for r in reports if r.number != number))
    assert media.kind == "audio"
