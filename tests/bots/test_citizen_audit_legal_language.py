"""A chat whose language was never chosen (no /start: its phone's interface language only) is answered in the language
its legal question is written in, the answer's headings too; so are the refusals around the answer: a citizen writing
in Kazakh from a Russian phone hears in Kazakh that they ask too often, not in Russian. Real aiogram against the fake
Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.context import Context
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 739100
LIMIT = 1
QUESTION_KK = "Ұрлық жасағаны үшін қандай жаза қарастырылған?"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_over_the_limit_a_kazakh_question_is_refused_in_kazakh(ctx: Context, legal_index: Path,
                                                                     citizen_polling: FakeBot) -> None:
    ctx.settings = ctx.settings.with_(citizen_bot_legal_per_10min=LIMIT)
    tg, chat = citizen_polling, USER
    user = make_user(chat, "Айгерим", language_code="ru")  # a Russian phone; the language never chosen
    tg.user_sends_text(chat, user, QUESTION_KK)
    await tg.wait_for_message_async(chat, contains="Дереккөздер", timeout=30)  # the answer's headings: Kazakh

    tg.user_sends_text(chat, user, "Алаяқтық үшін қандай жаза қарастырылған?")
    refused = await tg.wait_for_message_async(chat, timeout=30)
    assert "Сұрақтар тым жиі келіп жатыр" in (refused.text or ""), refused.text
