"""Bot fixtures: the fake Bot API (tests.fakes.telegram) driven by the real aiogram / python-telegram-bot clients."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from backend.context import Context
from bots.citizen import runtime
from tests.fakes.telegram import FakeBot, FakeTelegram
from tests.legal_api.conftest import legal_index  # noqa: F401  (re-exported fixture)

CITIZEN_TOKEN = "700001:CitizenBotTestToken"
OFFICER_TOKEN = "700002:OfficerBotTestToken"
WEBHOOK_SECRET = "s3cr3t-Webhook_token"


@pytest.fixture
def citizen_tg(ctx: Context, fake_telegram: FakeTelegram) -> FakeBot:
    """The citizen bot's token registered with the fake, and ctx configured to talk to it."""
    fake_bot = fake_telegram.register_bot(CITIZEN_TOKEN, username="zan_citizen_bot")
    ctx.settings = ctx.settings.with_(telegram_citizen_token=CITIZEN_TOKEN, telegram_api_base=fake_telegram.base_url,
                                      telegram_webhook_secret=WEBHOOK_SECRET)
    return fake_bot


@pytest.fixture
async def citizen_polling(ctx: Context, citizen_tg: FakeBot) -> AsyncIterator[FakeBot]:
    """The citizen bot of `ctx` long-polling the fake in the test's event loop (as `zan bot citizen --polling`)."""
    bot = runtime.get(ctx)
    assert bot is not None
    await bot.bot.delete_webhook()
    task = asyncio.create_task(bot.dispatcher.start_polling(bot.bot, polling_timeout=1, handle_signals=False,
                                                            close_bot_session=False))
    try:
        yield citizen_tg
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped
            await bot.dispatcher.stop_polling()
        await asyncio.wait_for(task, timeout=10)
