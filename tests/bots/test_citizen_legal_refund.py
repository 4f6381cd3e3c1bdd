"""A legal question the service could not answer (its index missing or cut short: `legal.unavailable`; every slot
taken: `legal.busy`) does not count against the chat's limit (ZAN_CITIZEN_BOT_LEGAL_PER_10MIN).

Before: the question was counted before it was asked and kept counted, so a citizen who was told "temporarily
unavailable, ask again later" and did so was then told they ask too often, for up to ten minutes, without ever having
had an answer. Real aiogram against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.context import Context
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 739200
LIMIT = 1
QUESTION = "Какое наказание за кражу телефона?"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_a_question_the_service_could_not_answer_is_given_back(ctx: Context, legal_index: Path, tmp_path: Path,
                                                                    citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER
    user = make_user(chat, "Асель", language_code="ru")
    ctx.settings = ctx.settings.with_(citizen_bot_legal_per_10min=LIMIT, legal_index_dir=str(tmp_path / "no-index"))
    tg.user_sends_text(chat, user, QUESTION)
    sorry = await tg.wait_for_message_async(chat, timeout=30)
    assert "временно недоступ" in (sorry.text or ""), sorry.text

    ctx.settings = ctx.settings.with_(legal_index_dir=str(legal_index))  # the index is back: asked again at once
    tg.user_sends_text(chat, user, QUESTION)
    answer = await tg.wait_for_message_async(chat, contains="Источники", timeout=30)
    assert "Слишком много вопросов" not in (answer.text or "")

    tg.user_sends_text(chat, user, QUESTION)  # the limit itself still holds: one answered question is the limit
    refused = await tg.wait_for_message_async(chat, contains="Слишком много вопросов", timeout=30)
    assert refused.text
