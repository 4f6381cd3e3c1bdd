"""The questions about files ("File a report with this?", "Add to report № …") whose draft data expired before
their state (Redis keeps the two under their own TTLs), met by what a citizen sends most (third reading of a0b0d15 /
3d89ad5): a photo with words under it, a typed question, "/report"."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _filed
from tests.bots.test_citizen_add_words import _expire_data
from tests.bots.test_citizen_audit_conversation import APOLOGY, Chat
from tests.bots.test_citizen_report_from_media import _asked
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio


async def test_a_captioned_photo_after_the_voice_questions_data_expired(ctx: Context, citizen_tg: FakeBot) -> None:
    """A file with words under it was taken as a Yes before 3d89ad5's guard: the missing key, the generic apology."""
    chat = await _asked(ctx, citizen_tg, 799201)
    await _expire_data(chat)
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48),
                                                caption="Сосед разбил окно моей машины во дворе"))
    said = chat.texts()[before:]
    assert said and not any(APOLOGY in text for text in said), said
    assert "больше не хранятся" in said[0], said


async def test_words_typed_at_the_add_question_after_its_data_expired(ctx: Context, citizen_tg: FakeBot) -> None:
    """The question asked again after the answer named no report ("Ваше обращение №  ещё рассматривается", a button
    "Добавить к № "): the draft is said to be gone instead, and the words answered."""
    chat = Chat(ctx, citizen_tg, 799202)
    await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await _expire_data(chat)
    before = len(chat.texts())
    await chat.says("можно ли подать на соседа в суд за разбитое окно")
    said = chat.texts()[before:]
    assert not any("№  " in text or "№ ещё" in text for text in said), said
    assert "больше не хранятся" in said[0] and len(said) >= 2, said  # and the question answered
    labels = [b["text"] for row in (chat.last().inline_keyboard or []) for b in row]
    assert all(label.strip() != "Добавить к №" for label in labels), labels


async def test_report_typed_after_the_questions_data_expired_starts_one(ctx: Context, citizen_tg: FakeBot) -> None:
    """Answered as a button would be ("эта кнопка ничего не отправила … начните заново"), no report was started."""
    chat = Chat(ctx, citizen_tg, 799601)
    await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await _expire_data(chat)
    await chat.says("/report")
    said = chat.texts()[-1]
    assert "кнопка ничего не отправила" not in said and "Опишите, что произошло" in said, said
