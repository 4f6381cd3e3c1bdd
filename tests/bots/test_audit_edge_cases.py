"""Edge cases found by audit D in the bots and the legal assistant (moved from tests/notifications/test_zz_audit_d.py,
items 2, 3, 5, 7 and 8): each failed on the code before its fix."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports.models import Report
from bots.citizen import keyboards, runtime
from bots.models import TelegramLink
from tests.bots.conftest import link_code
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot, make_user
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio


# -- 2. legal help: the answer language (chat / app language) must not change what is retrieved ----------------------
async def test_legal_emergency_question_in_russian_loses_the_102_advice_when_answer_language_is_en(
        ctx: Context, legal_index: Path) -> None:
    from backend.legal import service as legal

    question = "мой муж меня бьёт"
    detected = await legal.ask(ctx, question=question)
    assert detected.suggested_action == "call_102"  # same question, language detected from the text
    # an English Telegram client (normalize_lang → "en") or an app in English asks the very same question
    for asked in (question, "🆘😢 " + question):
        english = await legal.ask(ctx, question=asked, language="en")
        assert english.suggested_action == detected.suggested_action, (english.suggested_action, english.answer[:200])
        assert english.faq_id == detected.faq_id
        assert english.language == "en" and "102" in english.answer and "звоните" not in english.answer


async def test_the_answer_language_only_changes_the_wording(ctx: Context, legal_index: Path) -> None:
    from backend.legal import service as legal

    question = "у меня украли телефон, что делать?"
    russian = await legal.ask(ctx, question=question)
    for lang in ("kk", "en"):
        other = await legal.ask(ctx, question=question, language=lang)
        assert other.language == lang
        assert [(c.code, c.article) for c in other.citations] == [(c.code, c.article) for c in russian.citations]
        assert other.suggested_action == russian.suggested_action and other.faq_id == russian.faq_id


# -- 3. citizen bot: private chats only (in a group, one member would read and file as another citizen) -------------
async def test_group_member_sees_another_citizens_reports(ctx: Context, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    group = -100_555_0001
    alice = make_user(610001, "Alice", language_code="ru")
    bob = make_user(610002, "Bob", language_code="en")
    # Alice uses the bot properly, in her private chat, and has a report
    tg.user_sends_text(alice["id"], alice, "/start")
    choose = await tg.wait_for_message_async(alice["id"], contains="Выберите язык")
    tg.user_taps_button(choose, "lang:ru", user=alice)
    await tg.wait_for_message_async(alice["id"], contains="Закон и Порядок")
    async with ctx.sessions() as session:
        link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == alice["id"]))  # type: ignore[arg-type]
        assert link is not None
        owner = await session.get(Citizen, link.citizen_id)
        report = await make_report(session, citizen=owner, text="Сосед бьёт жену каждый вечер")
        await session.commit()
        number, alice_citizen = report.number, link.citizen_id

    # in a group, every command and question is refused politely, in the sender's language, before anything is read
    for user, text, refusal in ((alice, "/start", "личном чате"), (alice, "/reports", "личном чате"),
                                (bob, "/reports", "private chat"), (bob, "/report", "private chat"),
                                (bob, "what is the fine for theft?", "private chat")):
        tg.user_sends_text(group, user, text)
        answer = await tg.wait_for_message_async(group, timeout=10)
        assert refusal in (answer.text or "") and number not in (answer.text or ""), (text, answer.text)
    # a button that reached a group (e.g. sent there before this rule) is refused too, as an alert
    bot = runtime.get(ctx)
    assert bot is not None
    await bot.bot.send_message(group, "Выберите язык", reply_markup=keyboards.languages())
    tg.user_taps_button(await tg.wait_for_message_async(group, contains="Выберите язык"), "lang:ru", user=bob)
    alert = await tg.wait_for_call_async("answerCallbackQuery", lambda c: "private chat" in str(c.params.get("text")))
    assert alert.params.get("show_alert") in (True, "true")

    async with ctx.sessions() as session:
        links = list(await session.scalars(select(TelegramLink)))
    # no group was linked and Alice's link stayed on her own chat (pushes about her reports go there only)
    assert [(link.chat_id, link.citizen_id) for link in links] == [(alice["id"], alice_citizen)]
    assert not [m for m in tg.sent_messages(group) if number in (m.text or "")]


async def test_status_pushes_never_go_to_a_group_linked_before_the_rule(
        ctx: Context, citizen_tg: FakeBot) -> None:
    from backend.reports.models import ReportEvent
    from bots.citizen.notify import notify_report_event

    group = -100_555_0002
    async with ctx.sessions() as session:
        report = await make_report(session)
        session.add(TelegramLink(citizen_id=report.citizen_id, chat_id=group, language="ru"))
        await session.commit()
    event = ReportEvent(report_id=report.id, action="assign", actor_type="system", channel="test", public=True)
    assert await notify_report_event(ctx, report, event) is False
    assert citizen_tg.sent_messages(group) == []


# -- 5. duty bot: an urgent restricted report is offered only to designated units, and only they can accept it -----
async def test_urgent_restricted_report_is_offered_only_to_designated_units(
        ctx: Context, officer_bot: FakeBot) -> None:
    from bots.officer import service as duty
    from bots.officer.push import push_urgent_report

    chats = {"designated": 890001, "ordinary": 890002, "no_unit": 890003}
    for kind, chat in chats.items():
        unit = None if kind == "no_unit" else await make_unit(
            ctx, code=f"AST-{kind[:3].upper()}-{uuid.uuid4().hex[:4]}", district="astana",
            restricted_categories=["police_complaint"] if kind == "designated" else None)
        officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name=f"Офицер {kind}")
        assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat) is not None
        assert await duty.toggle_shift(ctx, chat_id=chat) is True
    async with ctx.sessions() as session:
        report = await make_report(session, category="police_complaint", restricted=True, urgent=True,
                                   district="astana", text="Сотрудник полиции избивает задержанного прямо сейчас")
        await session.commit()
        number, report_id = report.number, report.id

    assert await push_urgent_report(ctx, report) == 1
    got = {kind: [m.text or "" for m in officer_bot.sent_messages(chat) if number in (m.text or "")]
           for kind, chat in chats.items()}
    assert got["designated"], "the designated unit must still get the offer"
    # a complaint against the police (its number, category and the exact place) reaches no other unit
    assert got["ordinary"] == [] and got["no_unit"] == [], got

    # an Accept (a forged or stale callback) is checked against the same rule, without naming the report
    for kind in ("ordinary", "no_unit"):
        refused = await duty.accept(ctx, chat_id=chats[kind], report_id=report_id)
        assert refused == duty.Answer(duty.Outcome.NOT_YOURS), (kind, refused)
        assert (await duty.decline(ctx, chat_id=chats[kind], report_id=report_id)).outcome is duty.Outcome.NOT_YOURS
    # ... and against the shift: the designated officer who went off shift cannot take it
    assert await duty.toggle_shift(ctx, chat_id=chats["designated"]) is False
    off = await duty.accept(ctx, chat_id=chats["designated"], report_id=report_id)
    assert off.outcome is duty.Outcome.OFF_SHIFT
    async with ctx.sessions() as session:
        assert (await session.get(Report, report_id)).unit_id is None  # type: ignore[union-attr]
    assert await duty.toggle_shift(ctx, chat_id=chats["designated"]) is True
    taken = await duty.accept(ctx, chat_id=chats["designated"], report_id=report_id)
    assert taken.outcome is duty.Outcome.ACCEPTED and taken.number == number


# -- 7. citizen bot: a long description (one Telegram message, < 4096 chars) must not make the confirmation fail ----
async def test_long_report_text_still_gets_a_confirmation(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, 630001
    user = make_user(chat, "Dana", language_code="ru")
    tg.user_sends_text(chat, user, "/report")
    await tg.wait_for_message_async(chat, contains="Опишите, что произошло")
    long_text = ("Во дворе дома по улице Кенесары 40 каждую ночь шумят и дерутся соседи из квартиры 12. " * 60)[:4000]
    tg.user_sends_text(chat, user, long_text)  # one message: Telegram's own limit is 4096 characters
    await tg.wait_for_message_async(chat, contains="место происшествия")
    tg.user_sends_location(chat, user, 51.1605, 71.4704)
    ask_photo = await tg.wait_for_message_async(chat, contains="приложить до 5 фото")
    tg.user_taps_button(ask_photo, "report:skip", user=user)
    # the confirmation quotes a shortened text (the whole text plus the template is over 4096 characters)
    confirm = await tg.wait_for_message_async(chat, contains="Проверьте", timeout=8)
    assert confirm.button("Отправить")["callback_data"] == "report:send"
    assert "…" in (confirm.text or "") and len(confirm.text or "") <= 4096
    tg.user_taps_button(confirm, "report:send", user=user)
    await tg.wait_for_message_async(chat, contains="зарегистрировано", timeout=10)
    async with ctx.sessions() as session:
        filed = await session.scalar(select(Report))
    assert filed is not None and filed.text == long_text.strip()  # the full description is what gets filed


def test_shortened_quotes_cut_at_a_word() -> None:
    from bots.citizen.handlers import shortened

    assert shortened("короткий текст", 100) == "короткий текст"
    cut = shortened("слово " * 100, 50)
    assert len(cut) <= 50 and cut.endswith("слово …")


# -- 8. legal help: a question about an article that does not exist must not be answered with another article ------
@pytest.mark.parametrize(("question", "language", "says"), [
    ("какое наказание по статье 555 УК РК", None, "УК РК ст. 555"),
    ("article 999 of the criminal code", None, "Criminal Code, Art. 999"),
    ("ҚК 999-бап не туралы?", None, "ҚР ҚК 999-бап"),
    ("что говорит статья 999?", "en", "Art. 999"),  # no code named: neither default code has it
])
async def test_question_about_a_non_existent_article_is_not_answered_with_another_article(
        ctx: Context, legal_index: Path, question: str, language: str | None, says: str) -> None:
    from backend.legal import service as legal

    answer = await legal.ask(ctx, question=question, language=language)
    # e.g. "По вашему вопросу применима норма УК РК ст. 55 ч. 6 …" / "The relevant provision is … Art. 190 (fraud)"
    assert not answer.citations and answer.suggested_action == "legal_aid", (
        answer.suggested_action, answer.confidence, answer.answer[:160])
    assert says in answer.answer and "102" in answer.answer


async def test_an_existing_article_next_to_a_missing_one_is_still_answered(ctx: Context, legal_index: Path) -> None:
    from backend.legal import service as legal

    answer = await legal.ask(ctx, question="статья 188 УК и статья 999 УК")
    assert [(c.code, c.article) for c in answer.citations] == [("УК РК", "188")]
    assert "УК РК ст. 999" in answer.answer


def test_numbers_that_are_not_article_references() -> None:
    from ml.legal.corpus import load_corpus
    from ml.legal.refs import resolve

    corpus = load_corpus()
    for text in ("по УК 2014 года какое наказание за кражу", "мой рост 180 см, меня ударили", "украли 5000 тенге"):
        assert resolve(text, corpus)[1] == [], text
    assert resolve("мой рост 180 см, меня ударили", corpus)[0] == []  # "ст 180" inside "рост" is no article
