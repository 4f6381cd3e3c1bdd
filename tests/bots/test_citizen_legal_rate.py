"""One citizen-bot chat cannot ask legal questions without limit (ZAN_CITIZEN_BOT_LEGAL_PER_10MIN): past it the bot
says how long to wait and to call 102/112 in an emergency, and an urgent question is still answered. Over the real
aiogram client against the fake Telegram server, with the limit set low through Settings; counted in Redis when it
is there (@pytest.mark.redis) and in the process's memory when it is not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.context import Context
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 525252
LIMIT = 2
URGENT_RU = "Муж бьёт меня прямо сейчас и угрожает ножом, что делать?"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def _ask_up_to_the_limit(tg: FakeBot, chat: int, user: dict[str, object], question: str,
                               answered: str) -> None:
    for _ in range(LIMIT):
        tg.user_sends_text(chat, user, question)
        await tg.wait_for_message_async(chat, contains=answered, timeout=30)


async def _over_limit_then_urgent(ctx: Context, tg: FakeBot) -> None:
    ctx.settings = ctx.settings.with_(citizen_bot_legal_per_10min=LIMIT)
    chat, other = USER, USER + 1
    user = make_user(chat, "Асель", language_code="ru")
    await _ask_up_to_the_limit(tg, chat, user, "Какое наказание за кражу?", "Источники")

    tg.user_sends_text(chat, user, "Какое наказание за мошенничество?")
    refused = (await tg.wait_for_message_async(chat, contains="Слишком много вопросов", timeout=30)).text or ""
    assert re.search(r"через \d+ мин", refused) and "102" in refused and "112" in refused, refused

    # an emergency over the limit still gets the call-now lead and the report button
    tg.user_sends_text(chat, user, URGENT_RU)
    urgent = await tg.wait_for_message_async(chat, contains="102", timeout=30)
    assert (urgent.text or "").startswith("🆘") and "Слишком много" not in (urgent.text or "")
    assert urgent.button("Подать обращение")["callback_data"] == "report:start"

    # the limit is the chat's own: another citizen is answered as usual
    tg.user_sends_text(other, make_user(other, "Ерлан", language_code="ru"), "Какое наказание за кражу?")
    await tg.wait_for_message_async(other, contains="Источники", timeout=30)


async def test_a_chat_over_its_legal_limit_in_process_memory_waits_but_an_emergency_is_answered(
        ctx: Context, legal_index: Path, citizen_polling: FakeBot) -> None:
    assert ctx.redis is None
    await _over_limit_then_urgent(ctx, citizen_polling)


@pytest.mark.redis
async def test_a_chat_over_its_legal_limit_in_redis_waits_but_an_emergency_is_answered(
        ctx: Context, legal_index: Path, citizen_polling: FakeBot) -> None:
    assert ctx.redis is not None
    await _over_limit_then_urgent(ctx, citizen_polling)


@pytest.mark.parametrize(("language", "chosen_button", "answered", "refusal"), [
    ("kk", "lang:kk", "Дереккөздер", r"\d+ минуттан кейін"),
    ("en", "lang:en", "Sources", r"in \d+ min"),
], ids=["kk", "en"])
async def test_the_refusal_is_in_the_chat_language_and_always_names_102_112(
        ctx: Context, legal_index: Path, citizen_polling: FakeBot, language: str, chosen_button: str,
        answered: str, refusal: str) -> None:
    ctx.settings = ctx.settings.with_(citizen_bot_legal_per_10min=LIMIT)
    tg, chat = citizen_polling, USER + 2
    user = make_user(chat, "Айгерим", language_code="ru")
    tg.user_sends_text(chat, user, "/start")
    tg.user_taps_button(await tg.wait_for_message_async(chat, contains="Choose your language"), chosen_button,
                        user=user)
    await tg.wait_for_message_async(chat, contains="102")  # the welcome
    await _ask_up_to_the_limit(tg, chat, user, "Какое наказание за кражу?", answered)
    tg.user_sends_text(chat, user, "Какое наказание за кражу?")
    text = (await tg.wait_for_message_async(chat, timeout=30)).text or ""
    assert re.search(refusal, text) and "102" in text and "112" in text and answered not in text, text
