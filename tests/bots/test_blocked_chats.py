"""A chat Telegram refuses for good (the user blocked the bot, deleted the account, or the chat is gone) is remembered
and skipped by every later offer and status message, counted and logged once without naming the chat, and taken
back the moment it writes to the bot again. Over the real python-telegram-bot (duty bot) and aiogram (citizen bot)
clients against the fake Bot API, which answers Telegram's own 403 / 400 JSON."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from bots.models import OfficerBotBlockedChat, TelegramLink
from bots.officer.push import offer_to_chat, push_urgent_report
from tests.bots.conftest import CITIZEN_TOKEN, OFFICER_TOKEN, link_code
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user
from tests.helpers import eventually
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
BLOCKING, WILLING = 884001, 884002
CITIZEN = 884101


def _refused(bot: str, reason: str) -> float:
    return REGISTRY.get_sample_value("zan_telegram_chats_refused_total", {"bot": bot, "reason": reason}) or 0.0


def _sends_to(tg: FakeBot, chat: int) -> int:
    return sum(1 for call in tg.calls("sendMessage") if int(call.params["chat_id"]) == chat)


async def _on_duty(ctx: Context, tg: FakeBot, chat: int, unit_code: str) -> None:
    """A patrol officer of Astana linked to the duty bot in `chat` and on shift, through the bot itself."""
    unit = await make_unit(ctx, code=unit_code, district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name=f"Офицер {unit_code}")
    user = make_user(chat, language_code="ru")
    tg.user_sends_text(chat, user, f"/link {await link_code(ctx, officer.id)}")
    await tg.wait_for_message_async(chat, contains="Аккаунт привязан")
    tg.user_sends_text(chat, user, "/shift")
    await tg.wait_for_message_async(chat, contains="Смена начата")


async def _urgent_report(ctx: Context) -> Report:
    user = await citizen_bot.link_chat(ctx, user_id=5151, chat_id=5151, language="ru")
    stored = await citizen_bot.file_report(
        ctx, citizen_id=user.citizen_id, text="Прямо сейчас во дворе мужчина с ножом нападает на людей",
        lat=51.1605, lon=71.4704, accuracy_m=10, media_ids=[], language="ru", idempotency_key="blocked-urgent")
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == stored.body["number"]))  # type: ignore[arg-type]
    assert report is not None and report.urgent and report.district == "astana", report
    return report


async def _blocked_chat(ctx: Context, chat: int) -> OfficerBotBlockedChat | None:
    async with ctx.sessions() as session:
        return await session.get(OfficerBotBlockedChat, chat)


async def test_a_duty_chat_that_blocked_the_bot_is_skipped_until_it_writes_again(
        ctx: Context, officer_tg: FakeBot, caplog: pytest.LogCaptureFixture) -> None:
    tg = officer_tg
    await _on_duty(ctx, tg, BLOCKING, "BLK-01")
    await _on_duty(ctx, tg, WILLING, "BLK-02")
    report = await _urgent_report(ctx)
    counted = _refused("officer", "blocked")
    tg.user_blocks_bot(BLOCKING, notify=False)  # Telegram sends no update when the bot was not told

    with caplog.at_level(logging.INFO, logger="zan"):
        assert await push_urgent_report(ctx, report) == 1
    (refusal,) = [c for c in tg.calls("sendMessage") if int(c.params["chat_id"]) == BLOCKING and not c.ok]
    assert refusal.response == {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    marked = await _blocked_chat(ctx, BLOCKING)
    assert marked is not None and marked.reason == "blocked"
    assert _refused("officer", "blocked") == counted + 1
    (line,) = [r.getMessage() for r in caplog.records if "refuses messages" in r.getMessage()]
    assert str(BLOCKING) not in line  # a Telegram user id names a person

    # the next offers go to the willing officer at once: the blocked chat is not tried again, nor counted again
    tries, offered = _sends_to(tg, BLOCKING), _sends_to(tg, WILLING)
    assert await push_urgent_report(ctx, report) == 1
    assert await offer_to_chat(ctx, report, BLOCKING) is False  # a retry queued before the mark finds it too
    assert _sends_to(tg, BLOCKING) == tries and _sends_to(tg, WILLING) == offered + 1
    assert _refused("officer", "blocked") == counted + 1

    # the officer unblocks the bot and writes to it: offers reach the chat again
    tg.user_unblocks_bot(BLOCKING, notify=False)
    tg.user_sends_text(BLOCKING, BLOCKING, "/status")
    await tg.wait_for_message_async(BLOCKING, contains="Смена: идёт")
    assert await _blocked_chat(ctx, BLOCKING) is None
    assert await push_urgent_report(ctx, report) == 2


async def test_telegrams_note_of_a_block_marks_the_duty_chat_before_any_offer(
        ctx: Context, officer_tg: FakeBot) -> None:
    tg = officer_tg
    await _on_duty(ctx, tg, BLOCKING, "BLK-03")
    report = await _urgent_report(ctx)

    tg.user_blocks_bot(BLOCKING)  # the my_chat_member update: the bot was "kicked" from the private chat
    async def marked() -> bool:
        return await _blocked_chat(ctx, BLOCKING) is not None

    await eventually(marked)
    tries = _sends_to(tg, BLOCKING)
    assert await push_urgent_report(ctx, report) == 0
    assert _sends_to(tg, BLOCKING) == tries  # never tried: nothing waits on a chat that cannot answer

    tg.user_unblocks_bot(BLOCKING)  # "member" again: taken back without a message

    async def back() -> bool:
        return await _blocked_chat(ctx, BLOCKING) is None

    await eventually(back)
    assert await push_urgent_report(ctx, report) == 1


async def test_a_duty_chat_that_is_gone_is_marked_as_such(ctx: Context, officer_tg: FakeBot,
                                                          fake_telegram: FakeTelegram) -> None:
    """400 "chat not found" refuses every later message too; any other 400 is about the message, not the chat."""
    tg = officer_tg
    await _on_duty(ctx, tg, BLOCKING, "BLK-04")
    report = await _urgent_report(ctx)

    fake_telegram.fail_next("sendMessage", 400, description="Bad Request: message text is empty", token=OFFICER_TOKEN)
    assert await push_urgent_report(ctx, report) == 0
    assert await _blocked_chat(ctx, BLOCKING) is None

    fake_telegram.fail_next("sendMessage", 400, description="Bad Request: chat not found", token=OFFICER_TOKEN)
    assert await push_urgent_report(ctx, report) == 0
    marked = await _blocked_chat(ctx, BLOCKING)
    assert marked is not None and marked.reason == "chat_not_found"


# -- the citizen bot ---------------------------------------------------------------------------------------------------
async def _citizen_report(ctx: Context) -> tuple[Report, ReportEvent]:
    user = await citizen_bot.link_chat(ctx, user_id=CITIZEN, chat_id=CITIZEN, language="ru", chosen=True)
    stored = await citizen_bot.file_report(
        ctx, citizen_id=user.citizen_id, text="Во дворе третий день стоит брошенная машина без номеров",
        lat=51.1605, lon=71.4704, accuracy_m=10, media_ids=[], language="ru", idempotency_key="blocked-citizen")
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == stored.body["number"]))  # type: ignore[arg-type]
        assert report is not None
        report.category = "public_order"  # filed by routing: an uncategorised report's update names no number
        event = await reports.change_status(session, report, Action.TRIAGE, By(Actor.DISPATCHER, "d1", "console"))
        await session.commit()
    return report, event


async def _citizen_blocked_at(ctx: Context) -> object:
    async with ctx.sessions() as session:
        link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == CITIZEN))  # type: ignore[arg-type]
    assert link is not None
    return link.blocked_at


@pytest.mark.parametrize("refusal", ["blocked", "deactivated", "chat_not_found"])
async def test_a_citizen_chat_telegram_refuses_is_skipped_until_it_writes_again(
        ctx: Context, citizen_polling: FakeBot, fake_telegram: FakeTelegram, refusal: str) -> None:
    tg = citizen_polling
    report, event = await _citizen_report(ctx)
    counted = _refused("citizen", refusal)
    if refusal == "blocked":
        tg.user_blocks_bot(CITIZEN, notify=False)
    elif refusal == "deactivated":
        tg.user_deletes_account(CITIZEN)  # 403 "Forbidden: user is deactivated"
    else:
        fake_telegram.fail_next("sendMessage", 400, description="Bad Request: chat not found", token=CITIZEN_TOKEN)

    assert await notify_report_event(ctx, report, event) is False
    assert await _citizen_blocked_at(ctx) is not None
    assert _refused("citizen", refusal) == counted + 1

    tries = _sends_to(tg, CITIZEN)
    assert await notify_report_event(ctx, report, event) is False
    assert _sends_to(tg, CITIZEN) == tries  # not tried again while refused
    assert _refused("citizen", refusal) == counted + 1

    if refusal == "blocked":
        tg.user_unblocks_bot(CITIZEN, notify=False)
    elif refusal == "deactivated":
        return  # a deleted account never writes again
    tg.user_sends_text(CITIZEN, make_user(CITIZEN, language_code="ru"), "/start")
    await tg.wait_for_message_async(CITIZEN, contains="Выберите язык")
    assert await _citizen_blocked_at(ctx) is None
    assert await notify_report_event(ctx, report, event) is True
    await tg.wait_for_message_async(CITIZEN, contains=report.number)


async def test_telegrams_note_of_a_block_marks_the_citizen_chat(ctx: Context, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    report, event = await _citizen_report(ctx)
    tg.user_blocks_bot(CITIZEN)

    async def marked() -> bool:
        return await _citizen_blocked_at(ctx) is not None

    await eventually(marked)
    tries = _sends_to(tg, CITIZEN)
    assert await notify_report_event(ctx, report, event) is False
    assert _sends_to(tg, CITIZEN) == tries

    tg.user_unblocks_bot(CITIZEN)

    async def back() -> bool:
        return await _citizen_blocked_at(ctx) is None

    await eventually(back)
    assert await notify_report_event(ctx, report, event) is True
