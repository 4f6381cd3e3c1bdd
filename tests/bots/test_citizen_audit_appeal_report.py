"""The menu's "Report" (or /report, or "File a report" under a legal answer) tapped while the grounds of an appeal are
asked: a report is wanted, not an appeal whose grounds are the button's label. The appeal ends unfiled, and a report
draft paused for it comes back (asked whether to go on with it or start again), as during a Reply. Real aiogram
against the fake Bot API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.context import Context
from backend.reports.workflow import Action, Status
from bots.citizen import service as citizen_bot
from tests.bots.test_citizen_own_steps import _events, _filed, _forged, _listed, _report
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
USER = 738900


async def _appealing(tg: FakeBot, chat: int, user: dict[str, Any], report_id: uuid.UUID) -> None:
    listed = await _listed(tg, chat, user, "Сіздің өтініштеріңіз")
    tg.user_taps_button(listed, f"appeal:{report_id}:0", user=user)
    await tg.wait_for_message_async(chat, contains="неге келіспейтініңізді")


async def _appealing_mid_report(ctx: Context, tg: FakeBot, chat: int) -> tuple[dict[str, Any], uuid.UUID]:
    """A Kazakh chat with a closed report, a new report's draft at the place step, and an appeal of the closed one
    begun (the draft paused under it): the user and the closed report's id."""
    user = make_user(chat, language_code="kk")
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="kk", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    tg.user_sends_text(chat, user, "/report")
    await tg.wait_for_message_async(chat, contains="Не болғанын сипаттаңыз")
    tg.user_sends_text(chat, user, "Подъезд алдында көліктің әйнегін сындырды")
    await tg.wait_for_message_async(chat, contains="орнын")
    await _appealing(tg, chat, user, report.id)
    return user, report.id


async def test_the_menus_report_during_an_appeal_files_no_appeal(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER
    user = make_user(chat, language_code="kk")
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="kk", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    await _appealing(tg, chat, user, report.id)

    tg.user_sends_text(chat, user, "🚨 Құқық бұзушылық туралы хабарлау")  # the menu's "Report", in Kazakh
    await tg.wait_for_message_async(chat, contains="Не болғанын сипаттаңыз")
    after = await _report(ctx, report.id)
    assert (after.status, after.reopen_count) == (Status.CLOSED, 0)
    assert await _events(ctx, report.id, Action.REOPEN.value) == []

    tg.user_sends_text(chat, user, "Подъезд алдында көліктің әйнегін сындырды")  # the new report's description
    await tg.wait_for_message_async(chat, contains="орнын")
    assert (await _report(ctx, report.id)).reopen_count == 0


async def test_report_during_an_appeal_mid_report_keeps_the_paused_draft(ctx: Context,
                                                                          citizen_polling: FakeBot) -> None:
    """/report during an appeal tapped mid-report: the draft paused under the appeal is not dropped unasked."""
    tg, chat = citizen_polling, USER + 1
    user, report_id = await _appealing_mid_report(ctx, tg, chat)

    tg.user_sends_text(chat, user, "/report")
    asked = await tg.wait_for_message_async(chat, contains="жалғастырасыз ба")
    tg.user_taps_button(asked, "report:continue", user=user)
    await tg.wait_for_message_async(chat, contains="орнын")  # the paused draft's step: the place
    assert (await _report(ctx, report_id)).reopen_count == 0


async def test_file_a_report_under_a_legal_answer_during_an_appeal_keeps_the_draft(ctx: Context,
                                                                                  citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 2
    user, report_id = await _appealing_mid_report(ctx, tg, chat)

    older = await _forged(ctx, tg, chat, "report:start")  # "File a report" under an earlier legal answer
    tg.user_taps_button(older, "report:start", user=user)
    await tg.wait_for_message_async(chat, contains="орнын")  # the paused draft goes on, at its place step
    assert (await _report(ctx, report_id)).reopen_count == 0


async def test_a_language_chosen_during_an_appeal_ends_it(ctx: Context, citizen_polling: FakeBot) -> None:
    """/language during an appeal: the choice ends with the welcome ("write your legal question"), so the appeal ends
    unfiled, as the answer to a request for information does; the question that follows is no appeal's grounds."""
    tg, chat = citizen_polling, USER + 3
    user = make_user(chat, language_code="kk")
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="kk", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    await _appealing(tg, chat, user, report.id)

    tg.user_sends_text(chat, user, "🌐 Тіл")
    tg.user_taps_button(await tg.wait_for_message_async(chat, contains="Тілді таңдаңыз"), "lang:kk", user=user)
    await tg.wait_for_message_async(chat, contains="Құқықтық сұрағыңызды жазыңыз")
    tg.user_sends_text(chat, user, "Көршім түнде шу шығарады, не істеуге болады?")
    answered = await tg.wait_for_message_async(chat, timeout=10)
    assert "шағымыңыз" not in (answered.text or ""), answered.text
    assert (await _report(ctx, report.id)).reopen_count == 0
    assert await _events(ctx, report.id, Action.REOPEN.value) == []
