"""A restricted report's status change in the citizen's Telegram chat says nothing of the report until the citizen
taps "Show": a chat's last message shows on the lock screen and in the chat list, where the person reported may read
it (the app's push for these reports is data-only for the same reason). A report whose category is not known yet is
treated the same way. Real aiogram against the fake Bot API."""

from __future__ import annotations

import uuid

import pytest

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event, update_text
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 626262
REASON = "Где сейчас ваш муж, есть ли у него оружие?"


async def _request_info(ctx: Context, citizen_id: uuid.UUID, *, category: str | None = None,
                        restricted: bool = False) -> tuple[Report, ReportEvent]:
    """A report of the citizen being worked on, and the officer's question to them (a public event with a reason)."""
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen,
                                   text="Муж бьёт меня и детей", category=category, restricted=restricted)
        event = await reports.change_status(session, report, Action.REQUEST_INFO,
                                            By(Actor.PATROL_OFFICER, "o1", "tablet"), reason=REASON)
        await session.commit()
    return report, event


async def test_a_restricted_reports_update_is_neutral_until_the_citizen_taps_show(
        ctx: Context, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = await citizen_bot.link_chat(ctx, user_id=USER, chat_id=USER, language="ru")
    report, event = await _request_info(ctx, user.citizen_id, category="domestic_violence", restricted=True)

    assert await notify_report_event(ctx, report, event) is True
    pushed = await tg.wait_for_message_async(USER)
    text = pushed.text or ""
    # what the lock screen shows: neither the number, nor the state, nor the officer's question
    assert report.number not in text and "муж" not in text.lower() and "сведения" not in text
    assert "есть новости" in text and "Показать" in text  # and how to read it
    assert pushed.button("Показать")["callback_data"] == f"update:{event.id}"

    tg.user_taps_button(pushed, f"update:{event.id}", user=make_user(USER, language_code="ru"))
    await tg.wait_for_call_async("editMessageText")
    shown = next(m for m in tg.sent_messages(USER) if m.message_id == pushed.message_id)
    assert report.number in (shown.text or "") and REASON in (shown.text or "")
    assert shown.inline_keyboard == []  # the button went with the neutral text


async def test_an_uncategorised_reports_update_is_neutral_too(ctx: Context, citizen_tg: FakeBot) -> None:
    """No category yet (routing has not run, abstained or failed): it may be a restricted report, so the chat is
    told as little as the app's data-only push (backend.notifications.fanout.discreet_for_citizen)."""
    user = await citizen_bot.link_chat(ctx, user_id=USER + 4, chat_id=USER + 4, language="ru")
    report, event = await _request_info(ctx, user.citizen_id)

    assert await notify_report_event(ctx, report, event) is True
    pushed = await citizen_tg.wait_for_message_async(USER + 4)
    text = pushed.text or ""
    assert report.number not in text and REASON not in text and "есть новости" in text
    assert pushed.button("Показать")["callback_data"] == f"update:{event.id}"


async def test_an_update_is_shown_only_to_the_citizen_whose_report_it_is(ctx: Context, citizen_tg: FakeBot) -> None:
    owner = await citizen_bot.link_chat(ctx, user_id=USER + 1, chat_id=USER + 1, language="kk")
    other = await citizen_bot.link_chat(ctx, user_id=USER + 2, chat_id=USER + 2, language="kk")
    _, event = await _request_info(ctx, owner.citizen_id, category="domestic_violence", restricted=True)

    assert REASON in (await update_text(ctx, str(event.id), owner.citizen_id, "ru") or "")
    assert await update_text(ctx, str(event.id), other.citizen_id, "ru") is None  # a forged button's data
    assert await update_text(ctx, "not-an-id", owner.citizen_id, "ru") is None


async def test_an_ordinary_reports_update_still_says_its_number_and_text(ctx: Context, citizen_tg: FakeBot) -> None:
    user = await citizen_bot.link_chat(ctx, user_id=USER + 3, chat_id=USER + 3, language="en")
    report, event = await _request_info(ctx, user.citizen_id, category="theft")

    assert await notify_report_event(ctx, report, event) is True
    pushed = await citizen_tg.wait_for_message_async(USER + 3)
    assert report.number in (pushed.text or "") and REASON in (pushed.text or "")
    assert pushed.inline_keyboard == []


def test_the_discreet_texts_exist_in_every_language() -> None:
    from backend.lib.i18n import LANGS
    from bots.citizen.texts import TEXTS

    for key in ("update_discreet", "btn_show_update", "update_unavailable"):
        assert set(TEXTS[key]) == set(LANGS), key
