"""`zan bot citizen` (polling) whose poller could not start: aiogram's poller asks Telegram who the bot is (getMe)
before its first getUpdates, and gives up at once when that one call fails (Telegram away for a moment, a 5xx, flood
control). The process then went on waiting for SIGINT with nothing polling: the citizen bot answered no one, and
`restart: on-failure` never restarted a process that had not ended. It must end with the poller's error."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from backend.context import Context
from bots.cli import _citizen_polling, _poll
from tests.fakes.telegram import FakeBot, FakeTelegram

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("status", "error"), [(500, TelegramServerError), (429, TelegramRetryAfter)])
async def test_a_citizen_poller_that_could_not_start_ends_the_process(ctx: Context, citizen_tg: FakeBot,
                                                                       fake_telegram: FakeTelegram, status: int,
                                                                       error: type[Exception]) -> None:
    fake_telegram.fail_next("getMe", status, token=citizen_tg.token)
    run = asyncio.create_task(_poll(ctx.settings, _citizen_polling))
    try:
        await asyncio.wait([run], timeout=10)
        assert run.done(), "the poller died, the process went on polling nothing"
        with pytest.raises(error):
            run.result()  # a non-zero exit, with Telegram's answer: the supervisor starts it again
    finally:
        if not run.done():
            run.cancel()
            with contextlib.suppress(BaseException):
                await run

