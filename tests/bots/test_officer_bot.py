"""The officer duty bot over the real python-telegram-bot client: link by one-time code, shift, an urgent report
offered with Accept / Decline, Accept assigns it through the dispatch service."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.officers.models import Officer
from backend.reports.models import Report
from bots.citizen import service as citizen_bot
from bots.officer import service
from bots.officer.push import push_urgent_report
from tests.bots.conftest import link_code
from tests.fakes.telegram import FakeBot, SentMessage, make_user
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
OFFICER_CHAT, OTHER_CHAT = 880001, 880002


async def _linked_officer(ctx: Context, tg: FakeBot, chat: int, unit_code: str) -> Officer:
    unit = await make_unit(ctx, code=unit_code, district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name=f"Офицер {unit_code}")
    code = await link_code(ctx, officer.id)
    user = make_user(chat, language_code="ru")
    tg.user_sends_text(chat, user, "/link 00000000")
    await tg.wait_for_message_async(chat, contains="Код неверный")
    tg.user_sends_text(chat, user, f"/link {code}")
    await tg.wait_for_message_async(chat, contains=f"Аккаунт привязан: Офицер {unit_code}")
    tg.user_sends_text(chat, user, "/shift")
    await tg.wait_for_message_async(chat, contains="Смена начата")
    return officer


async def _urgent_report(ctx: Context) -> Report:
    user = await citizen_bot.link_chat(ctx, user_id=5150, chat_id=5150, language="ru")
    stored = await citizen_bot.file_report(
        ctx, citizen_id=user.citizen_id, text="Прямо сейчас во дворе мужчина с ножом нападает на людей",
        lat=51.1605, lon=71.4704, accuracy_m=10, media_ids=[], language="ru", idempotency_key="urgent-1")
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == stored.body["number"]))  # type: ignore[arg-type]
    assert report is not None and report.urgent and report.district == "astana", report
    return report


def _current(tg: FakeBot, chat: int, message_id: int) -> SentMessage:
    return next(m for m in tg.sent_messages(chat) if m.message_id == message_id)


def _offer(tg: FakeBot, chat: int, number: str) -> Any:
    return tg.wait_for_message_async(chat, contains=number)


async def test_an_officer_taps_accept_and_the_report_is_assigned_to_their_unit(
        ctx: Context, officer_tg: FakeBot) -> None:
    tg = officer_tg
    officer = await _linked_officer(ctx, tg, OFFICER_CHAT, "AST-01")
    await _linked_officer(ctx, tg, OTHER_CHAT, "AST-02")
    report = await _urgent_report(ctx)

    assert await push_urgent_report(ctx, report) == 2
    offer = await _offer(tg, OFFICER_CHAT, report.number)
    assert "СРОЧНО" in (offer.text or "") and "ножом" in (offer.text or "")
    # the district as the officer reads it, not its code
    assert "Астана" in (offer.text or "") and "astana" not in (offer.text or "")
    other_offer = await _offer(tg, OTHER_CHAT, report.number)

    tg.user_taps_button(offer, f"accept:{report.id}")
    await tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == OFFICER_CHAT)
    accepted = _current(tg, OFFICER_CHAT, offer.message_id)
    assert "Принято" in (accepted.text or "")
    assert "AST-01" in (accepted.text or "") and accepted.inline_keyboard == []
    async with ctx.sessions() as session:
        assigned = await session.get(Report, report.id)
        assert assigned is not None and assigned.status == "assigned"
        units = [a.unit_id for a in await session.scalars(select(Assignment).where(Assignment.report_id == report.id))]  # type: ignore[arg-type]
        member_unit = await service.unit_of(session, officer.id)
        assert units == [member_unit]

    # the second crew is too late: told so, nothing reassigned
    tg.user_taps_button(other_offer, f"accept:{report.id}")
    await tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == OTHER_CHAT)
    assert "уже принято" in (_current(tg, OTHER_CHAT, other_offer.message_id).text or "")
    async with ctx.sessions() as session:
        still = await session.get(Report, report.id)
        assert still is not None and still.unit_id == member_unit

    tg.user_sends_text(OFFICER_CHAT, OFFICER_CHAT, "/status")
    status = await tg.wait_for_message_async(OFFICER_CHAT, contains="Открытых обращений наряда: 1")
    assert "Смена: идёт" in (status.text or "")


async def test_decline_strangers_and_off_shift(ctx: Context, officer_tg: FakeBot) -> None:
    tg = officer_tg
    await _linked_officer(ctx, tg, OFFICER_CHAT, "AST-03")
    report = await _urgent_report(ctx)
    assert await push_urgent_report(ctx, report) == 1
    offer = await _offer(tg, OFFICER_CHAT, report.number)
    tg.user_taps_button(offer, f"decline:{report.id}")
    await tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == OFFICER_CHAT)
    assert "отказались" in (_current(tg, OFFICER_CHAT, offer.message_id).text or "")
    async with ctx.sessions() as session:
        unchanged = await session.get(Report, report.id)
        assert unchanged is not None and unchanged.unit_id is None

    # an unlinked chat can do nothing
    assert (await service.accept(ctx, chat_id=999, report_id=report.id)).outcome is service.Outcome.NOT_LINKED
    tg.user_sends_text(999, 999, "/status")
    await tg.wait_for_message_async(999, contains="не привязан")

    # off shift: no more offers
    tg.user_sends_text(OFFICER_CHAT, OFFICER_CHAT, "/shift")
    await tg.wait_for_message_async(OFFICER_CHAT, contains="Смена завершена")
    assert await push_urgent_report(ctx, report) == 0


def test_restricted_offers_never_show_the_text() -> None:
    from bots.officer.push import offer_text

    report = Report(number="ZP-2026-0000001", citizen_id=uuid.uuid4(), channel="telegram", text="Муж бьёт жену",
                    language="ru", lat=51.16, lon=71.47, district="astana", category="domestic_violence",
                    restricted=True, deadline_at=utcnow(), original_deadline_at=utcnow())
    text = offer_text(report, "ru")
    assert "Муж" not in text and "ограниченным доступом" in text and "ZP-2026-0000001" in text
    report.restricted, report.category = False, "theft"
    assert "Муж бьёт жену" in offer_text(report, "ru")


def test_an_offer_masks_the_iin_and_phone_before_cutting_the_text() -> None:
    from bots.officer.push import EXCERPT, offer_text

    iin, phone = "850315400124", "+7 701 234 56 78"
    text = f"Меня избивает сосед, мой ИИН {iin}, звоните {phone}, он ещё здесь"
    report = Report(number="ZP-2026-0000002", citizen_id=uuid.uuid4(), channel="telegram", text=text,
                    language="ru", lat=51.16, lon=71.47, district="astana", category="assault",
                    deadline_at=utcnow(), original_deadline_at=utcnow())
    offer = offer_text(report, "ru")
    assert iin not in offer and phone not in offer and "701 234" not in offer
    assert "[ИИН ***0124]" in offer and "[тел. ***5678]" in offer and "сосед" in offer  # as officers see it elsewhere

    # an IIN right at the cut, with no space to cut at before it: masked first, so no leading digits are left over
    report.text = "ж" * (EXCERPT - 6) + iin + " и дальше"
    offer = offer_text(report, "ru")
    assert "850315" not in offer and "85031" not in offer

    # a restricted report still shows no text at all, masked or not
    report.restricted = True
    assert "сосед" not in offer_text(report, "ru") and "ограниченным доступом" in offer_text(report, "ru")


async def test_the_bot_speaks_the_officers_language(ctx: Context, officer_tg: FakeBot) -> None:
    tg, chat = officer_tg, 880003
    unit = await make_unit(ctx, code="AST-KK", district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name="Асқар Сейітов")
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None and row.language == "ru"
    code = await link_code(ctx, officer.id)
    user = make_user(chat, language_code="kk")
    tg.user_sends_text(chat, user, "/start")
    await tg.wait_for_message_async(chat, contains="кезекші боты")
    # linking takes the Telegram app's language; every later answer and offer uses it
    tg.user_sends_text(chat, user, f"/link {code}")
    await tg.wait_for_message_async(chat, contains="Аккаунт байланыстырылды: Асқар Сейітов")
    tg.user_sends_text(chat, user, "/shift")
    await tg.wait_for_message_async(chat, contains="Ауысым басталды")
    report = await _urgent_report(ctx)
    assert await push_urgent_report(ctx, report) == 1
    offer = await _offer(tg, chat, report.number)
    assert "ШҰҒЫЛ" in (offer.text or "") and offer.button("Қабылдау")["callback_data"] == f"accept:{report.id}"

    # /lang offers the three languages; the choice is kept for the officer
    tg.user_sends_text(chat, user, "/lang")
    menu = await tg.wait_for_message_async(chat, contains="Тілді таңдаңыз")
    tg.user_taps_button(menu, "olang:ru", user=user)
    await tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == chat)
    tg.user_sends_text(chat, user, "/status")
    await tg.wait_for_message_async(chat, contains="Смена: идёт")
    tg.user_sends_text(chat, user, "/lang en")
    await tg.wait_for_message_async(chat, contains="Bot language: English")
    tg.user_sends_text(chat, user, "/lang xx")  # not a language: the choice is offered again, nothing changes
    await tg.wait_for_message_async(chat, contains="Choose the language")
    async with ctx.sessions() as session:
        assert (await session.get(Officer, officer.id, populate_existing=True)).language == "en"  # type: ignore[union-attr]


async def test_link_code_guessing_is_throttled_per_chat(ctx: Context, officer_tg: FakeBot) -> None:
    """Eight digits for ten minutes fall to a patient script unless wrong guesses are limited: five per chat per
    window, after which even the right code is refused in that chat until the window passes."""
    tg = officer_tg
    unit = await make_unit(ctx, code="GUESS-1", district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name="Офицер GUESS-1")
    user = make_user(OTHER_CHAT, language_code="ru")
    for attempt in range(5):
        tg.user_sends_text(OTHER_CHAT, user, f"/link {attempt:08d}")
        await tg.wait_for_message_async(OTHER_CHAT, contains="Код неверный")
    tg.user_sends_text(OTHER_CHAT, user, f"/link {await link_code(ctx, officer.id)}")
    await tg.wait_for_message_async(OTHER_CHAT, contains="Слишком много неверных кодов")
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
    assert row is not None and row.telegram_chat_id is None
