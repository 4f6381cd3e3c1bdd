"""`zan bot …`: without a token nothing starts (exit 0); `--webhook` registers the API's webhook with its secret;
polling answers until SIGINT / SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.context import Context
from bots.cli import _citizen_polling, _officer_polling, _poll, bot
from tests.bots.conftest import CITIZEN_TOKEN, OFFICER_TOKEN, WEBHOOK_SECRET
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("TELEGRAM_CITIZEN_TOKEN", "TELEGRAM_OFFICER_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE"):
        monkeypatch.delenv(f"ZAN_{name}", raising=False)
    return {"ZAN_VAR_DIR": str(tmp_path), "ZAN_SECRET_KEY": "cli-test-secret"}


@pytest.mark.parametrize("which", ["citizen", "officer"])
def test_without_a_token_the_bot_is_not_started(env: dict[str, str], which: str) -> None:
    result = CliRunner().invoke(bot, [which], env=env)
    assert result.exit_code == 0, result.output
    assert "is not set" in result.output and "not started" in result.output


@pytest.mark.parametrize(("which", "token"), [("citizen", CITIZEN_TOKEN), ("officer", OFFICER_TOKEN)])
def test_webhook_mode_registers_the_webhook_with_the_secret(env: dict[str, str], fake_telegram: FakeTelegram,
                                                             which: str, token: str) -> None:
    tg = fake_telegram.register_bot(token)
    env = {**env, f"ZAN_TELEGRAM_{which.upper()}_TOKEN": token, "ZAN_TELEGRAM_API_BASE": fake_telegram.base_url,
           "ZAN_PUBLIC_BASE_URL": "https://zan.example.kz"}
    refused = CliRunner().invoke(bot, [which, "--webhook"], env=env)
    assert refused.exit_code == 2 and tg.webhook is None  # no secret, no webhook: anyone could post updates
    env["ZAN_TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    result = CliRunner().invoke(bot, [which, "--webhook"], env=env)
    assert result.exit_code == 0, result.output
    assert tg.webhook is not None
    assert tg.webhook.url == f"https://zan.example.kz/api/v1/telegram/{which}/webhook"
    assert tg.webhook.secret_token == WEBHOOK_SECRET


@pytest.mark.anyio
@pytest.mark.parametrize("which", ["citizen", "officer"])
async def test_polling_answers_until_interrupted(ctx: Context, citizen_tg: FakeBot, officer_bot: FakeBot,
                                                 which: str) -> None:
    """`zan bot citizen|officer` (polling): the bot answers, and SIGINT stops it cleanly."""
    tg, polling, reply = ((citizen_tg, _citizen_polling, "Выберите язык") if which == "citizen"
                          else (officer_bot, _officer_polling, "Дежурный бот"))
    run = asyncio.create_task(_poll(ctx.settings, polling))
    tg.user_sends_text(880990, make_user(880990, language_code="ru"), "/start")
    await tg.wait_for_message_async(880990, contains=reply, timeout=15)
    os.kill(os.getpid(), signal.SIGINT)  # handled by the poller's loop, as Ctrl-C or `docker stop`'s SIGTERM
    await asyncio.wait_for(run, timeout=30)


@pytest.mark.anyio
async def test_a_polling_bot_logs_through_the_masking_handler(ctx: Context, citizen_tg: FakeBot,
                                                             capfd: pytest.CaptureFixture[str]) -> None:
    """`zan bot citizen --polling` is a process no app or worker configures: its log lines (a library's repr of an
    update, a traceback) went out through Python's fallback handler with the citizen's name in them."""
    root = logging.getLogger()
    before = root.handlers[:]
    root.handlers[:] = [logging.StreamHandler(sys.stderr)]  # a fresh process's: nothing configured yet
    try:
        run = asyncio.create_task(_poll(ctx.settings, _citizen_polling))
        citizen_tg.user_sends_text(880991, make_user(880991, language_code="ru"), "/start")
        await citizen_tg.wait_for_message_async(880991, contains="Выберите язык", timeout=15)
        logging.getLogger("aiogram.event").warning("update not handled: %r", {"first_name": "Айгерим"})
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(run, timeout=30)
    finally:
        root.handlers[:] = before
    err = capfd.readouterr().err
    assert "update not handled" in err and "Айгерим" not in err
