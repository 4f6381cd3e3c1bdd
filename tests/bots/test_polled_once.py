"""Polling handles an update once, across a restart, for both bots.

getUpdates confirms what the previous call returned only with the next call's offset. A poller that stops before
that call reaches Telegram (killed, crashed, or the Bot API unreachable at shutdown) is handed the same updates again
when it starts. The fake drops what a poller confirmed, so the test queues the handled update again — what Telegram
would have kept — and starts a fresh poller, as a restarted process. Handled twice, a re-fetched /report would answer
twice and start the report afresh, and the duty bot's /shift would end the shift the officer had just started. An
update whose handling failed is not marked handled: fetched again, it is handled. The polling fixtures are built as
production's pollers are, marks included."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen import runtime
from bots.officer import service
from bots.officer.app import BOT_NAME, polling
from bots.once import claim
from tests.bots.conftest import link_code
from tests.fakes.telegram import FakeBot, make_user
from tests.helpers import eventually
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
CHAT = 720101


async def _citizen_poll_until_confirmed(ctx: Context, tg: FakeBot) -> None:
    """One run of a poller process: start, handle what is pending, stop. Updates are handled one after another
    (`handle_as_tasks=False`), so once the fake has them confirmed they are handled."""
    async with runtime.polling(ctx, polling_timeout=1, handle_as_tasks=False):
        await tg.wait_until_delivered_async(timeout=10)
    # the stopped poller's long poll lives on in the fake until another getUpdates ends it (Telegram's 409
    # "terminated by other getUpdates request"); until then it would take — and confirm — the update queued next
    client = runtime.make_bot(tg.token, ctx.settings.telegram_api_base)
    try:
        await client.get_updates(timeout=0)
    finally:
        await client.session.close()


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
    async with polling(ctx, poll_interval=0.0, timeout=1):
        await tg.wait_until_delivered_async(timeout=10)


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


CHOOSE = "Выберите язык"
NOT_LINKED = "Аккаунт не привязан"


@pytest.mark.redis
async def test_a_citizen_update_whose_handling_failed_is_handled_when_fetched_again(ctx: Context,
                                                                                   citizen_tg: FakeBot) -> None:
    """The answer to /start fails (the Bot API answers 500): the citizen hears the apology, and the update is not
    marked handled, so the restarted poller handles it."""
    chat = CHAT + 1
    user = make_user(chat, "Айгерим", language_code="ru")
    citizen_tg.server.fail_next("sendMessage", 500, token=citizen_tg.token)
    start = citizen_tg.user_sends_text(chat, user, "/start")
    await _citizen_poll_until_confirmed(ctx, citizen_tg)
    assert not any(CHOOSE in (m.text or "") for m in citizen_tg.sent_messages(chat))
    assert any("Не удалось обработать" in (m.text or "") for m in citizen_tg.sent_messages(chat))

    citizen_tg.push_update(start)
    await _citizen_poll_until_confirmed(ctx, citizen_tg)
    assert sum(CHOOSE in (m.text or "") for m in citizen_tg.sent_messages(chat)) == 1


async def test_a_duty_bot_update_whose_handling_failed_is_handled_when_fetched_again(ctx: Context,
                                                                                    officer_bot: FakeBot) -> None:
    """PTB hands a handler's failure to the error handler and goes on: that is where the claim learns of it."""
    chat = 880902
    user = make_user(chat, language_code="ru")
    officer_bot.server.fail_next("sendMessage", 500, token=officer_bot.token)
    status = officer_bot.user_sends_text(chat, user, "/status")
    await _officer_poll_until_confirmed(ctx, officer_bot)
    assert officer_bot.sent_messages(chat) == []

    officer_bot.push_update(status)
    await _officer_poll_until_confirmed(ctx, officer_bot)
    assert [m.text for m in officer_bot.sent_messages(chat)] == ["Аккаунт не привязан. Отправьте /link КОД."]


async def _marked_done(ctx: Context, bot_name: str, update_id: int) -> bool:
    return await claim(ctx, bot_name, update_id) == "done"


@pytest.mark.parametrize("store", [pytest.param("database", id="database"),
                                   pytest.param("redis", marks=pytest.mark.redis, id="redis")])
async def test_the_polling_fixtures_run_what_production_runs(ctx: Context, citizen_polling: FakeBot,
                                                             officer_tg: FakeBot, store: str) -> None:
    """`citizen_polling` and `officer_tg` are the bots `zan bot …` polls with: their updates are marked handled."""
    start = citizen_polling.user_sends_text(CHAT + 2, make_user(CHAT + 2, language_code="ru"), "/start")
    status = officer_tg.user_sends_text(880903, make_user(880903, language_code="ru"), "/status")
    await citizen_polling.wait_for_message_async(CHAT + 2, contains=CHOOSE)
    await officer_tg.wait_for_message_async(880903, contains=NOT_LINKED)
    await eventually(lambda: _marked_done(ctx, runtime.BOT_NAME, start["update_id"]))
    await eventually(lambda: _marked_done(ctx, BOT_NAME, status["update_id"]))
