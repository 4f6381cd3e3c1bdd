"""Follow-up legal questions in the citizen bot, over the real aiogram client and the fake Telegram server: the chat's
last questions are kept in its FSM data and sent as context; /start or a report started forgets them; an answer read
with the previous question says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 525252
THEFT = "«Кража»"
FOLLOW_UP_NOTE = "с учётом вашего предыдущего вопроса"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def _asks(tg: FakeBot, chat: int, text: str) -> str:
    tg.user_sends_text(chat, tg_user(chat), text)
    answer = await tg.wait_for_message_async(chat, timeout=30)
    return answer.text or ""


def tg_user(chat: int) -> dict[str, object]:
    return make_user(chat, "Асель", language_code="ru")


async def test_a_follow_up_in_the_chat_is_answered_on_the_previous_questions_topic(
    legal_index: Path, citizen_polling: FakeBot
) -> None:
    tg, chat = citizen_polling, USER
    assert THEFT in await _asks(tg, chat, "Какое наказание за кражу?")
    followed = await _asks(tg, chat, "а если ему 15 лет?")
    assert THEFT in followed and "188" in followed, followed
    # the chain goes on: the third question still continues the theft
    assert "Мелкое хищение" in await _asks(tg, chat, "а если сумма маленькая?")


async def test_a_new_matter_in_the_same_chat_is_answered_as_itself(legal_index: Path, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 1
    assert THEFT in await _asks(tg, chat, "Какое наказание за кражу?")
    beaten = await _asks(tg, chat, "меня избил сосед")
    assert "вред" in beaten.lower() and THEFT not in beaten, beaten


async def test_start_forgets_the_earlier_questions(legal_index: Path, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 2
    assert THEFT in await _asks(tg, chat, "Какое наказание за кражу?")
    tg.user_sends_text(chat, tg_user(chat), "/start")
    tg.user_taps_button(await tg.wait_for_message_async(chat, contains="Тілді таңдаңыз"), "lang:ru", user=tg_user(chat))
    await tg.wait_for_message_async(chat, contains="Закон и Порядок")
    assert THEFT not in await _asks(tg, chat, "а если ему 15 лет?")


async def test_a_report_started_forgets_the_earlier_questions(legal_index: Path, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 3
    assert THEFT in await _asks(tg, chat, "Какое наказание за кражу?")
    tg.user_sends_text(chat, tg_user(chat), "/report")
    await tg.wait_for_message_async(chat, contains="Опишите, что произошло")
    tg.user_sends_text(chat, tg_user(chat), "/cancel")
    await tg.wait_for_message_async(chat, contains="Отменено")
    assert THEFT not in await _asks(tg, chat, "а если ему 15 лет?")


async def test_an_answer_read_with_the_previous_question_says_so(legal_index: Path, citizen_polling: FakeBot) -> None:
    """The citizen sees that the answer read their question together with the previous one, so a wrong reading is
    visible; a question answered on its own carries no such line."""
    tg, chat = citizen_polling, USER + 4
    first = await _asks(tg, chat, "Какое наказание за кражу?")
    assert FOLLOW_UP_NOTE not in first
    followed = await _asks(tg, chat, "а если ему 15 лет?")
    assert FOLLOW_UP_NOTE in followed and THEFT in followed, followed
    assert FOLLOW_UP_NOTE not in await _asks(tg, chat, "а если ДТП?")  # another matter: answered alone


async def test_the_follow_up_line_is_in_the_chats_language(legal_index: Path, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 5
    user = make_user(chat, "Aigerim", language_code="en")
    tg.user_sends_text(chat, user, "my phone was stolen")
    await tg.wait_for_message_async(chat, timeout=30)
    tg.user_sends_text(chat, user, "what if it was my neighbour?")
    followed = (await tg.wait_for_message_async(chat, timeout=30)).text or ""
    assert "together with your previous one" in followed, followed
