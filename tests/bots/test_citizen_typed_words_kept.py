"""Words typed while a question about files waits ("File a report with this?" of a voice message, "Add to report № …
/ New report" of files sent just after a report) are answered as a legal question, so they are never used unasked: a
question typed without its "?" (as most are in Russian and Kazakh chats) must not become the report's description nor
be posted to staff as the citizen's comment. A Yes / "New report" asks for the description as before and offers the
typed words with a "Use: «…»" button, which takes them only when tapped; "Add" posts the files' captions (else the
localized default), never typed words. Real aiogram against the fake Bot API, real intake, media and comments."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report_from_media import _asked, _reports
from tests.bots.test_citizen_voice import _voice
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
QUESTION = "какое наказание за разбитое окно машины"
# the description asked, with the button that offers the typed words
SAYS = {"ru": ("Опишите, что произошло", "Использовать: «"), "kk": ("Не болғанын сипаттаңыз", "Пайдалану: «"),
        "en": ("Describe what happened", "Use: “")}


def _buttons(chat: Chat) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in chat.last().inline_keyboard for b in row}


@pytest.mark.parametrize(("lang", "question", "describe"), [
    ("ru", "какое наказание за разбитое окно машины", "Опишите, что произошло"),
    ("ru", "что будет соседу если он разбил мне окно", "Опишите, что произошло"),
])
async def test_a_question_without_its_mark_is_not_taken_for_the_description(
        ctx: Context, citizen_tg: FakeBot, lang: str, question: str, describe: str) -> None:
    """The reviewer's case: a Yes after a question typed without "?" asks for the description."""
    chat = await _asked(ctx, citizen_tg, 795101 + len(question), lang)
    await chat.says(question)
    await chat.taps("report:offer_yes")
    said = chat.texts()[-1]
    assert describe in said and "как описание" not in said, said


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_yes_asks_and_offers_the_typed_words_in_a_short_label(ctx: Context, citizen_tg: FakeBot,
                                                                     lang: str) -> None:
    describe, use = SAYS[lang]
    chat = await _asked(ctx, citizen_tg, {"ru": 795211, "kk": 795212, "en": 795213}[lang], lang)
    await chat.says(TEXT)
    await chat.taps("report:offer_yes")
    assert describe in chat.texts()[-1], chat.texts()[-1]
    [label] = [text for text, data in _buttons(chat).items() if data == "report:use_typed"]
    assert label.startswith(use) and "Во дворе дома на Кенесары" in label and "…" in label, label
    assert len(label) < 60 and "магнитолу" not in label, label  # a button shows a line: the quote is shortened


async def test_a_description_typed_instead_is_the_description(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 795204)
    await chat.says(QUESTION)
    await chat.says("/report")  # "Report" is a Yes too
    assert "report:use_typed" in _buttons(chat).values()
    offer = chat.last()
    await chat.says(TEXT)
    assert "место происшествия" in chat.texts()[-1]
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(offer, "report:use_typed", user=chat.user))  # too late: ignored
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "место происшествия" not in "".join(chat.texts()[before:])
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [report] = await _reports(ctx)
    assert report.text == TEXT


async def test_every_message_typed_is_offered_joined_in_order(ctx: Context, citizen_tg: FakeBot) -> None:
    """Only the last message typed was offered: a citizen who told it in three messages got the last one ("ок" is
    none: too short to be a description)."""
    chat = await _asked(ctx, citizen_tg, 795205)
    told = ["Вчера вечером во дворе дома на Кенесары 40", "неизвестные разбили окно моей машины", "и украли магнитолу"]
    for words in (told[0], told[1], "ок", told[2]):
        await chat.says(words)
    await chat.taps("report:offer_yes")
    assert "Если сообщения, которые вы написали выше (3)" in chat.texts()[-1], chat.texts()[-1]
    [label] = [text for text, data in _buttons(chat).items() if data == "report:use_typed"]
    assert label.startswith("Использовать: «Вчера вечером во дворе"), label
    await chat.taps("report:use_typed")
    assert "(3) объединены и приняты как описание: «" + "\n\n".join(told) + "»" in chat.texts()[-1], chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [report] = await _reports(ctx)
    assert report.text == "\n\n".join(told)


async def test_messages_typed_past_the_descriptions_limit_are_cut_and_said_so(ctx: Context,
                                                                            citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 795209, "en")
    long = [f"Message {i}: " + "the neighbour broke the car window again " * 100 for i in range(2)]  # 4011 each
    for words in long:
        await chat.says(words)
    await chat.says("and one more that cannot fit")  # the two before fill a description: not kept
    await chat.taps("report:offer_yes")
    assert "If the 2 messages you wrote above" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:use_typed")
    said = chat.texts()[-1]
    assert "only its first 5000 are taken" in said and "Send the location" in said, said
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [report] = await _reports(ctx)
    assert len(report.text) == 5000 and report.text.startswith(long[0].strip()) and "Message 1" in report.text


async def test_add_never_posts_a_question_typed_meanwhile_as_the_voice_messages_comment(ctx: Context,
                                                                                        citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 795206)
    number = await _filed(chat, citizen_tg)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    await chat.says(QUESTION)  # answered as a question
    assert "Добавить это сообщение к нему" in chat.texts()[-1]  # the question again, below the answer
    await chat.taps("report:add_to")
    assert await _comments(ctx, number) == ["🎙 К обращению добавлено голосовое сообщение."]


async def test_add_posts_the_captions_not_the_words_typed(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 795207)
    number = await _filed(chat, citizen_tg, "kk")
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="Көлік нөмірі 123ABC02")
    await chat.feed(photo)
    await chat.says("терезені сындырғаны үшін қандай жаза бар")
    await chat.taps("report:add_to")
    assert await _comments(ctx, number) == ["Көлік нөмірі 123ABC02"]


async def test_new_report_after_a_question_typed_offers_it_instead_of_taking_it(ctx: Context,
                                                                                citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 795208)
    await _filed(chat, citizen_tg, "en")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.says("what is the fine for a broken car window")
    await chat.taps("report:add_new")
    said = chat.texts()[-1]
    assert "Describe what happened" in said and "taken as the description" not in said, said
    assert "Use: “what is the fine for a broken car window”" in _buttons(chat), _buttons(chat)
