"""The "Add to report № … / New report / No" question once answered (third reading of 2401606 / a0b0d15): a second
tap of "No" is silent; an "Add" refused for the report's file limit is not tried again from the question on screen
before the refusal; a place sent at the question is added as a comment with its coordinates (a filed report's place
cannot be changed), said so; the question's own answers typed as words (ru/kk/en) do what its buttons do, and are no
legal question."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_edges import _alerts
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report_from_media import _asked, _drafts
from tests.bots.test_citizen_voice import _voice
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio


async def test_a_double_tap_on_no_is_answered_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799101)
    await _filed(chat, citizen_tg)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    question = chat.last()
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(question, "report:offer_no", user=chat.user))
    await chat.feed(citizen_tg.user_taps_button(question, "report:offer_no", user=chat.user))
    said = chat.texts()[before:]
    assert len(said) == 1 and "ничего не добавлено" in said[0], said


async def test_a_double_tap_on_no_of_file_a_report_with_this_is_answered_once(ctx: Context,
                                                                              citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 799102)
    question = chat.last()
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(question, "report:offer_no", user=chat.user))
    await chat.feed(citizen_tg.user_taps_button(question, "report:offer_no", user=chat.user))
    said = chat.texts()[before:]
    assert len(said) == 1 and "кнопка ничего не отправила" not in said[0], said
    assert await _drafts(ctx) == []


async def test_add_refused_for_the_limit_is_not_tried_again(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799501)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "r3-1", 5)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, "r3-2", 3)  # 5 + 3 > 5: no room left
    question = chat.last()
    await chat.taps("report:add_to")
    assert f"Не удалось добавить к обращению № {number}" in chat.texts()[-1]
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(question, "report:add_to", user=chat.user))
    said = chat.texts()[before:]
    assert not any("Не удалось добавить" in text for text in said), said
    assert f"Добавить присланное к обращению № {number} нельзя" in _alerts(citizen_tg)[-1]  # the refusal remembered


async def test_a_place_kept_at_the_add_question_is_not_lost_unsaid(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799401)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    assert "Место происшествия сохранено" in chat.texts()[-1], chat.texts()[-1]
    # said before "Add", not after: a filed report's place cannot be changed, so it goes as a comment's coordinates
    assert f"к обращению № {number} комментарием с координатами" in chat.texts()[-1], chat.texts()[-1]
    before = len(chat.texts())
    await chat.taps("report:add_to")
    said = " ".join(chat.texts()[before:])
    assert f"Место добавлено к обращению № {number} комментарием с координатами" in said, said
    assert "добавлено файлов: 1" in said, said
    assert await _comments(ctx, number) == ["Дополнительные файлы к обращению.\n\n"
                                            "📍 Место, указанное заявителем: 43.238900, 76.889700"]


async def test_the_questions_own_words_typed_are_no_legal_question(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799301)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    before = len(chat.texts())
    await chat.says("Добавить к заявлению")
    said = chat.texts()[before:]
    assert not any("применима норма" in text for text in said), said
    assert f"К обращению № {number} добавлено файлов: 1" in said[-1], said  # as "Add" would
    assert len(await _comments(ctx, number)) == 1


@pytest.mark.parametrize(("chat_id", "lang", "typed", "prompt"), [
    (799311, "ru", "Новое обращение", "Опишите"),
    (799312, "kk", "жаңа өтініш", "Не болғанын"),
    (799313, "en", "New report.", "Describe"),
])
async def test_new_report_typed_starts_one(ctx: Context, citizen_tg: FakeBot, chat_id: int, lang: str, typed: str,
                                           prompt: str) -> None:
    chat = Chat(ctx, citizen_tg, chat_id)
    number = await _filed(chat, citizen_tg, lang)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.says(typed)
    assert prompt in chat.texts()[-1], chat.texts()[-1]
    assert await _comments(ctx, number) == []


@pytest.mark.parametrize(("chat_id", "lang", "typed"), [(799321, "ru", "нет"), (799322, "kk", "Жоқ"),
                                                         (799323, "en", "No!")])
async def test_no_typed_at_the_voice_question_declines(ctx: Context, citizen_tg: FakeBot, chat_id: int, lang: str,
                                                       typed: str) -> None:
    chat = Chat(ctx, citizen_tg, chat_id)
    number = await _filed(chat, citizen_tg, lang)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    await chat.says(typed)
    assert f"{number}" in chat.texts()[-1] and await _drafts(ctx) == [], chat.texts()[-1]
    assert await _comments(ctx, number) == []


async def test_no_typed_where_no_is_not_offered_asks_again(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799330)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    before = len(chat.texts())
    await chat.says("нет")
    said = chat.texts()[before:]
    assert len(said) == 1 and f"Ваше обращение № {number} ещё рассматривается" in said[0], said
    assert len(await _drafts(ctx)) == 1  # the photo kept: "New report" is still the citizen's to choose
