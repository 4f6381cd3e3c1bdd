"""The answer's language when the question does not tell one, and a chat's stored questions: Accept-Language decides
only for a question whose language is unclear (emoji, a number), and the citizen bot keeps no IIN or phone number
unmasked in the chat's FSM data (Redis in production) where it remembers questions for follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from backend.context import Context
from bots.citizen import runtime
from bots.citizen.legal_flow import LEGAL_CONTEXT
from tests.bots.conftest import citizen_tg  # noqa: F401  (the fake Bot API's citizen bot)
from tests.fakes.telegram import FakeBot, make_user
from tests.helpers import PartnerClient
from tests.legal_api.asking import answer

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("question", ["😀😀😀", "???", "🔥"])
async def test_an_unclear_question_is_answered_in_the_accept_language(legal_index: Path, citizen: PartnerClient,
                                                                      question: str) -> None:
    citizen.lang = "kk"
    body = await answer(citizen, question)
    assert body["language"] == "kk", body
    citizen.lang = "en"
    assert (await answer(citizen, question))["language"] == "en"


@pytest.mark.parametrize(("question", "header", "language"), [
    ("ұрлық үшін қандай жаза?", "ru", "kk"),
    ("какое наказание за кражу?", "kk", "ru"),
    ("what is the punishment for theft?", "kk", "en"),
])
async def test_a_clear_question_is_answered_in_its_own_language_whatever_the_header(
        legal_index: Path, citizen: PartnerClient, question: str, header: str, language: str) -> None:
    citizen.lang = header
    assert (await answer(citizen, question))["language"] == language


async def test_the_bots_remembered_questions_hold_no_iin_or_phone(legal_index: Path, ctx: Context,
                                                                  citizen_tg: FakeBot) -> None:  # noqa: F811
    chat = 626262
    async with runtime.polling(ctx, polling_timeout=1) as bot:
        citizen_tg.user_sends_text(chat, make_user(chat, "Асель", language_code="ru"),
                                   "мой ИИН 900101300123, телефон +77011234567, у меня украли телефон")
        said = (await citizen_tg.wait_for_message_async(chat, timeout=30)).text or ""
        assert "Кража" in said, said
        data = await bot.storage.get_data(StorageKey(bot_id=bot.bot.id, chat_id=chat, user_id=chat))
    remembered = " ".join(data[LEGAL_CONTEXT])
    assert "украли телефон" in remembered  # the follow-up still has its topic
    assert "900101300123" not in remembered and "7011234567" not in remembered, remembered
