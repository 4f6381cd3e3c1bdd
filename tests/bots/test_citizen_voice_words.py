"""Words typed while "File a report with this?" waits about a voice message: answered as a question (a cry for help
gets its 102 lead at once), and the last of them kept. They were answered as a question, so a Yes never takes them
unasked: it asks for the description and offers them with a "Use: «…»" button, which takes them (quoted) only when
tapped, so the citizen need not type again what they just typed (tests.bots.test_citizen_typed_words_kept: a question
typed without its "?")."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_audit_conversation import TEXT
from tests.bots.test_citizen_report_from_media import _asked, _reports
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio


# what "Use" says of the words it took, and the place asked for next
TAKEN = {"ru": ("Ваше сообщение принято как описание", "место происшествия"),
         "kk": ("Хабарламаңыз сипаттама ретінде алынды", "Оқиға орнын жіберіңіз"),
         "en": ("Your message is taken as the description", "Send the location")}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_words_typed_while_asked_are_offered_and_taken_when_tapped(ctx: Context, citizen_tg: FakeBot,
                                                                         lang: str) -> None:
    taken, place = TAKEN[lang]
    chat = await _asked(ctx, citizen_tg, {"ru": 795001, "kk": 795002, "en": 795003}[lang], lang)
    await chat.says(TEXT)
    await chat.says("ок")  # too short to be a description: the words before it are not replaced
    await chat.taps("report:offer_yes")
    assert taken not in chat.texts()[-1], chat.texts()[-1]  # not taken unasked
    await chat.taps("report:use_typed")
    said = chat.texts()[-1]
    assert taken in said and TEXT in said and place in said, said  # used, said so, and on to the place
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [report] = await _reports(ctx)
    assert report.text == TEXT


async def test_a_question_typed_while_asked_is_not_taken_for_the_description(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 795004)
    await chat.says("Какой штраф за разбитое окно машины?")
    await chat.taps("report:offer_yes")
    said = chat.texts()[-1]
    assert "Опишите, что произошло" in said and "как описание" not in said, said


async def test_the_last_description_typed_wins(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 795005)
    await chat.says("Разбили окно машины во дворе")
    await chat.says(TEXT)  # the fuller telling replaces the first
    await chat.says("/report")  # "Report" is a Yes too
    assert "Опишите, что произошло" in chat.texts()[-1]
    await chat.taps("report:use_typed")
    assert TEXT in chat.texts()[-1] and "место происшествия" in chat.texts()[-1]


@pytest.mark.parametrize(("typed", "lang"), [("да", "ru"), ("Иә!", "kk"), ("yes", "en")])
async def test_yes_typed_instead_of_tapped_goes_on_as_the_button(ctx: Context, citizen_tg: FakeBot, typed: str,
                                                                 lang: str) -> None:
    """"да" typed at "File a report with this?" was answered as a legal question and the question asked again."""
    chat = await _asked(ctx, citizen_tg, {"ru": 795011, "kk": 795012, "en": 795013}[lang], lang)
    before = len(chat.texts())
    await chat.says(typed)
    said = chat.texts()[before:]
    describe = {"ru": "Опишите, что произошло", "kk": "Не болғанын сипаттаңыз", "en": "Describe what happened"}[lang]
    assert len(said) == 1 and describe in said[0], said  # on to the description, no legal answer first


async def test_no_typed_instead_of_tapped_deletes_the_recording(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 795014)
    before = len(chat.texts())
    await chat.says("Нет.")
    said = chat.texts()[before:]
    assert len(said) == 1 and "обращение не подано, файл удалён" in said[0], said
    assert await _reports(ctx) == []
