"""The citizen bot answers legal questions with citations, in the user's language, over the real aiogram client."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from backend.context import Context
from bots.models import TelegramLink
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 424242


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_start_language_choice_then_a_kazakh_question_gets_a_cited_answer(
        legal_index: Path, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = make_user(USER, "Айгерим", language_code="ru")
    tg.user_sends_text(USER, user, "/start")
    choose = await tg.wait_for_message_async(USER, contains="Тілді таңдаңыз")
    assert {b["callback_data"] for row in choose.inline_keyboard for b in row} == {"lang:kk", "lang:ru", "lang:en"}
    tg.user_taps_button(choose, "lang:kk", user=user)
    welcome = await tg.wait_for_message_async(USER, contains="Заң мен Тәртіп")
    assert welcome.button("Менің өтініштерім")

    tg.user_sends_text(USER, user, "ұрлық үшін қандай жаза")
    answer = await tg.wait_for_message_async(USER, contains="Дереккөздер", timeout=30)
    assert "188" in (answer.text or "") and "«Кража»" in (answer.text or "")
    assert any(ch in (answer.text or "") for ch in "әғқңөұүі")  # answered in the chosen language
    assert tg.calls("sendChatAction")


async def test_an_emergency_question_says_call_now_and_offers_a_report(legal_index: Path,
                                                                       citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = make_user(USER + 1, language_code="ru")
    tg.user_sends_text(USER + 1, user, "Муж бьёт меня прямо сейчас и угрожает ножом, что делать?")
    answer = await tg.wait_for_message_async(USER + 1, contains="102", timeout=30)
    assert (answer.text or "").startswith("🆘")
    assert answer.button("Подать обращение")["callback_data"] == "report:start"
    tg.user_taps_button(answer, "report:start", user=user)
    await tg.wait_for_message_async(USER + 1, contains="Опишите, что произошло")


async def test_english_client_without_start_is_answered_in_english(legal_index: Path,
                                                                    citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = make_user(USER + 2, "John", language_code="en-GB")
    tg.user_sends_text(USER + 2, user, "What is the punishment for theft?")
    answer = await tg.wait_for_message_async(USER + 2, contains="Sources", timeout=30)
    assert "Article" in (answer.text or "") or "art." in (answer.text or "").lower()


async def test_an_english_phone_asking_in_russian_without_a_choice_is_answered_in_russian(
        legal_index: Path, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = make_user(USER + 3, "Asel", language_code="en")  # the phone's interface, not a choice made in the bot
    tg.user_sends_text(USER + 3, user, "Какое наказание за кражу?")
    answer = await tg.wait_for_message_async(USER + 3, timeout=30)
    text = answer.text or ""
    assert "Источники" in text and "Sources" not in text, text  # the answer and its headings in one language
    assert "Статья" in text or "ст." in text


async def test_a_language_chosen_in_start_is_kept_whatever_the_question_is_written_in(
        legal_index: Path, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = make_user(USER + 4, "Асель", language_code="ru")
    tg.user_sends_text(USER + 4, user, "/start")
    tg.user_taps_button(await tg.wait_for_message_async(USER + 4, contains="Choose your language"), "lang:en",
                        user=user)
    await tg.wait_for_message_async(USER + 4, contains="Law and Order")
    tg.user_sends_text(USER + 4, user, "Какое наказание за кражу?")
    answer = await tg.wait_for_message_async(USER + 4, contains="Sources", timeout=30)
    assert "Источники" not in (answer.text or "")


async def _link(ctx: Context, chat_id: int) -> TelegramLink:
    async with ctx.sessions() as session:
        link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))  # type: ignore[arg-type]
        assert link is not None
        return link


async def test_a_chat_linked_by_a_report_without_start_is_answered_in_the_question_language_until_it_chooses(
        ctx: Context, legal_index: Path, citizen_polling: FakeBot) -> None:
    """Filing a report without /start links the chat with the phone's interface language: that is no choice, so a
    Russian question from an English phone still gets a Russian answer; choosing English in /start then holds."""
    tg, chat = citizen_polling, USER + 5
    user = make_user(chat, "Asel", language_code="en")
    tg.user_sends_text(chat, user, "/report")
    await tg.wait_for_message_async(chat, contains="Describe what happened")
    tg.user_sends_text(chat, user, "Someone broke the car window in the yard of Kenesary 40 and stole the radio")
    await tg.wait_for_message_async(chat, contains="Send the location")
    tg.user_sends_location(chat, user, 51.1605, 71.4704)
    skip = await tg.wait_for_message_async(chat, contains="You may attach")
    tg.user_taps_button(skip, "report:skip", user=user)
    confirm = await tg.wait_for_message_async(chat, contains="Please check", timeout=10)
    tg.user_taps_button(confirm, "report:send", user=user)
    await tg.wait_for_message_async(chat, contains="Report registered", timeout=10)

    tg.user_sends_text(chat, user, "Какое наказание за кражу?")
    answer = await tg.wait_for_message_async(chat, timeout=30)
    assert "Источники" in (answer.text or "") and "Sources" not in (answer.text or ""), answer.text
    link = await _link(ctx, chat)
    assert (link.language, link.language_chosen) == ("en", False)  # linked by the report, in the interface language

    tg.user_sends_text(chat, user, "/start")
    tg.user_taps_button(await tg.wait_for_message_async(chat, contains="Choose your language"), "lang:en", user=user)
    await tg.wait_for_message_async(chat, contains="Law and Order")
    assert (await _link(ctx, chat)).language_chosen
    tg.user_sends_text(chat, user, "Какое наказание за кражу?")
    answer = await tg.wait_for_message_async(chat, contains="Sources", timeout=30)
    assert "Источники" not in (answer.text or ""), answer.text
