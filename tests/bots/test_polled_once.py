"""Polling handles an update once, across a restart, for both bots.

getUpdates confirms what the previous call returned only with the next call's offset. A poller that stops before
that call reaches Telegram (killed, crashed, or the Bot API unreachable at shutdown) is handed the same updates again
when it starts. The fake drops what a poller confirmed, so the test queues the handled update again — what Telegram
would have kept — and starts a fresh poller, as a restarted process. Handled twice, a re-fetched /report would answer
twice and start the report afresh, and the duty bot's /shift would end the shift the officer had just started."""

from __future__ import annotations

import asyncio

import pytest

from backend.context import Context
from bots.citizen import runtime
from bots.officer import service
from bots.officer.app import build_application
from tests.bots.conftest import link_code
from tests.fakes.telegram import FakeBot, make_user
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
CHAT = 720101


async def _citizen_poll_until_confirmed(ctx: Context, tg: FakeBot) -> None:
    """One run of a poller process: start, handle what is pending, stop. Updates are handled one after another
    (`handle_as_tasks=False`), so once the fake has them confirmed they are handled."""
    citizen = runtime.build(ctx, polling=True)
    task = asyncio.create_task(runtime.poll(citizen, polling_timeout=1, handle_signals=False, handle_as_tasks=False))
    try:
        await tg.wait_until_delivered_async(timeout=10)
    finally:
        await citizen.dispatcher.stop_polling()
        await asyncio.wait_for(task, timeout=10)
        # the stopped poller's long poll lives on in the fake until another getUpdates ends it (Telegram's 409
        # "terminated by other getUpdates request"); until then it would take — and confirm — the update queued next
        await citizen.bot.get_updates(timeout=0)
        await citizen.close()


@pytest.mark.redis
async def test_the_citizen_bot_handles_a_refetched_update_once(ctx: Context, citizen_tg: FakeBot) -> None:
    user = make_user(CHAT, "Нурлан", language_code="ru")
    citizen_tg.user_sends_text(CHAT, user, "/start")
    await _citizen_poll_until_confirmed(ctx, citizen_tg)
    report = citizen_tg.user_sends_text(CHAT, user, "/report")
    await _citizen_poll_until_confirmed(ctx, citizen_tg)
    asked = [m for m in citizen_tg.sent_messages(CHAT) if "Опишите, что произошло" in (m.text or "")]
    assert len(asked) == 1

    citizen_tg.push_update(report)  # the restarted poller is handed it again
    await _citizen_poll_until_confirmed(ctx, citizen_tg)
    asked = [m for m in citizen_tg.sent_messages(CHAT) if "Опишите, что произошло" in (m.text or "")]
    assert len(asked) == 1, [m.text for m in citizen_tg.sent_messages(CHAT)]


async def _officer_poll_until_confirmed(ctx: Context, tg: FakeBot) -> None:
    """One run of `zan bot officer`; PTB handles the updates it fetched before `stop()` returns."""
    application = build_application(ctx, polling=True)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            await tg.wait_until_delivered_async(timeout=10)
        finally:
            await application.updater.stop()
            await application.stop()


async def test_the_duty_bot_handles_a_refetched_shift_once(ctx: Context, officer_bot: FakeBot) -> None:
    chat = 880901
    unit = await make_unit(ctx, code="AST-91", district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name="Офицер AST-91")
    user = make_user(chat, language_code="ru")
    officer_bot.user_sends_text(chat, user, f"/link {await link_code(ctx, officer.id)}")
    await _officer_poll_until_confirmed(ctx, officer_bot)
    shift = officer_bot.user_sends_text(chat, user, "/shift")
    await _officer_poll_until_confirmed(ctx, officer_bot)
    await officer_bot.wait_for_message_async(chat, contains="Смена начата")

    officer_bot.push_update(shift)  # the restarted poller is handed it again
    await _officer_poll_until_confirmed(ctx, officer_bot)
    status = await service.status(ctx, chat_id=chat)
    assert status is not None and status.on_shift
    assert not any("Смена завершена" in (m.text or "") for m in officer_bot.sent_messages(chat))
