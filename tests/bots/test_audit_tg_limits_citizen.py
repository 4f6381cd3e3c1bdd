"""The citizen bot against the Bot API's own limits, with real aiogram and the fake Bot API (which refuses a text over
4096 UTF-16 units and a stale callback query as Telegram does): what a citizen sees when real data reaches them.

- A button tapped while the bot was away (a restart, a deploy, an outage: Telegram keeps the update for a day but
  waits 15 s for the tap's answer) is still acted on: answering it is refused ("query is too old"), and that
  refusal must not cost the citizen the language they chose or the report they sent.
- /reports quotes the question of each report awaiting the citizen: staff write up to 2,000 characters each, so a
  citizen asked twice at length got no list at all (400 "message is too long"), and no "Reply" button.
- "Reply" shows staff's whole question: 2,000 characters the API counts as such can be 4,000 of Telegram's units
  (emoji are two each), and the prompt went unsent.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from bots.chats import TELEGRAM_LIMIT
from bots.citizen import service as citizen_bot
from tests.bots.conftest import CITIZEN_TOKEN
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user
from tests.fakes.telegram.text import utf16_len

pytestmark = pytest.mark.anyio
USER = 746001
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
UNAVAILABLE = "сервис временно недоступен"


def _stale_next_tap(fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("answerCallbackQuery", 400, description=TOO_OLD, token=CITIZEN_TOKEN)


async def test_a_language_tapped_too_late_to_answer_is_still_chosen(
        ctx: Context, citizen_polling: FakeBot, fake_telegram: FakeTelegram) -> None:
    tg, user = citizen_polling, make_user(USER, language_code="kk")
    tg.user_sends_text(USER, user, "/start")
    offer = await tg.wait_for_message_async(USER, contains="Выберите язык")
    _stale_next_tap(fake_telegram)

    tg.user_taps_button(offer, "lang:ru", user=user)

    welcome = await tg.wait_for_message_async(USER, contains="Закон и Порядок", timeout=5)
    assert UNAVAILABLE not in (welcome.text or "")
    linked = await citizen_bot.chat_user(ctx, USER)
    assert linked is not None and linked.language == "ru"


async def test_a_send_tapped_too_late_to_answer_still_files_the_report(
        ctx: Context, citizen_polling: FakeBot, fake_telegram: FakeTelegram) -> None:
    tg, user = citizen_polling, make_user(USER + 1, language_code="ru")
    chat = USER + 1
    tg.user_sends_text(chat, user, "/report")
    await tg.wait_for_message_async(chat, contains="Опишите, что произошло")
    tg.user_sends_text(chat, user, "У подъезда на Кенесары 40 разбили окно припаркованной машины")
    await tg.wait_for_message_async(chat, contains="место происшествия")
    tg.user_sends_location(chat, user, 51.1605, 71.4704)
    files = await tg.wait_for_message_async(chat, contains="Пропустить")
    tg.user_taps_button(files, "report:skip", user=user)
    confirm = await tg.wait_for_message_async(chat, contains="Проверьте")
    _stale_next_tap(fake_telegram)

    tg.user_taps_button(confirm, "report:send", user=user)

    filed = await tg.wait_for_message_async(chat, contains="зарегистрировано", timeout=10)
    assert UNAVAILABLE not in " ".join(m.text or "" for m in tg.sent_messages(chat))
    number = (filed.text or "").split("№ ")[1].split(".")[0]
    async with ctx.sessions() as session:
        assert await session.scalar(select(Report).where(Report.number == number)) is not None  # type: ignore[arg-type]


async def _asked(ctx: Context, citizen_id: uuid.UUID, questions: list[str]) -> list[Report]:
    """Reports of the citizen through the bot, each awaiting the citizen's answer to one of `questions`."""
    partner_id = await citizen_bot.bot_partner_id(ctx)
    filed = []
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, citizen_id)
        for question in questions:
            report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                       partner_id=partner_id)
            await session.flush()
            await reports.change_status(session, report, Action.REQUEST_INFO, By(Actor.DISPATCHER, "d1", "console"),
                                        reason=question)
            filed.append(report)
        await session.commit()
    return filed


# as long as the console and the tablet let staff write a question (backend.dispatch.schemas.Reason: 2,000)
LONG_QUESTION = ("Уточните, пожалуйста, точный адрес, подъезд и этаж, а также время, когда вы заметили "
                 "повреждения, и опишите приметы людей, которых видели рядом. ") * 14
LONG_QUESTION = LONG_QUESTION[:2000]


async def test_reports_listing_long_questions_is_sent_with_every_reply_button(
        ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 2
    user = make_user(chat, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="ru", chosen=True)
    asked = await _asked(ctx, linked.citizen_id, [LONG_QUESTION, LONG_QUESTION, LONG_QUESTION])

    tg.user_sends_text(chat, user, "/reports")

    listing = await tg.wait_for_message_async(chat, contains="Ваши обращения", timeout=5)
    text = listing.text or ""
    assert utf16_len(text) <= TELEGRAM_LIMIT
    assert all(report.number in text for report in asked)
    assert "Уточните, пожалуйста, точный адрес" in text  # each question still quoted, shortened
    for report in asked:
        assert listing.button(f"№ {report.number}")["callback_data"] == f"reply:{report.id}"

    # "Reply" shows the question whole
    tg.user_taps_button(listing, f"reply:{asked[0].id}", user=user)
    prompt = await tg.wait_for_message_async(chat, contains="Напишите ответ", timeout=5)
    assert LONG_QUESTION.strip() in (prompt.text or "")


async def test_reply_to_a_question_of_two_thousand_emoji_is_prompted(ctx: Context, citizen_polling: FakeBot) -> None:
    """2,000 characters to the API (msgspec counts code points), 4,000 UTF-16 units to Telegram."""
    tg, chat = citizen_polling, USER + 3
    user = make_user(chat, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="ru", chosen=True)
    (report,) = await _asked(ctx, linked.citizen_id, ["Где это? " + "🚗" * 1990])

    tg.user_sends_text(chat, user, "/reports")
    listing = await tg.wait_for_message_async(chat, contains="Ваши обращения", timeout=5)
    tg.user_taps_button(listing, f"reply:{report.id}", user=user)

    prompt = await tg.wait_for_message_async(chat, contains="Напишите ответ", timeout=5)
    # the question cut to what fits, and the instruction under it kept
    assert (prompt.text or "").startswith("Нужны дополнительные сведения: Где это? 🚗")
    assert utf16_len(prompt.text or "") <= TELEGRAM_LIMIT
    assert UNAVAILABLE not in " ".join(m.text or "" for m in tg.sent_messages(chat))
