"""`zan bot citizen|officer --webhook` under Telegram's flood control: setWebhook is one of the Bot API's most
throttled methods (run twice in a row, or by a restarted service, it answers 429 with `retry_after`). The command
gave up at the first 429 with a traceback and exit 1, the webhook not registered; it waits what Telegram asks and
registers it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bots.cli import bot
from tests.bots.conftest import CITIZEN_TOKEN, OFFICER_TOKEN, WEBHOOK_SECRET
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("TELEGRAM_CITIZEN_TOKEN", "TELEGRAM_OFFICER_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE"):
        monkeypatch.delenv(f"ZAN_{name}", raising=False)
    return {"ZAN_VAR_DIR": str(tmp_path), "ZAN_SECRET_KEY": "cli-test-secret",
            "ZAN_PUBLIC_BASE_URL": "https://zan.example.kz", "ZAN_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}


@pytest.mark.parametrize(("which", "token"), [("citizen", CITIZEN_TOKEN), ("officer", OFFICER_TOKEN)])
def test_set_webhook_waits_out_flood_control(env: dict[str, str], fake_telegram: FakeTelegram, which: str,
                                             token: str) -> None:
    tg = fake_telegram.register_bot(token)
    env = {**env, f"ZAN_TELEGRAM_{which.upper()}_TOKEN": token, "ZAN_TELEGRAM_API_BASE": fake_telegram.base_url}
    fake_telegram.fail_next("setWebhook", 429, retry_after=1, token=token)
    started = time.monotonic()
    result = CliRunner().invoke(bot, [which, "--webhook"], env=env)
    took = time.monotonic() - started
    assert result.exit_code == 0, (result.output, result.exception)
    assert tg.webhook is not None and tg.webhook.url == f"https://zan.example.kz/api/v1/telegram/{which}/webhook"
    assert tg.webhook.secret_token == WEBHOOK_SECRET
    assert [call.status for call in tg.calls("setWebhook")] == [429, 200]
    assert took >= 1.0  # Telegram's retry_after was waited out, not hammered


@pytest.mark.parametrize(("which", "token"), [("citizen", CITIZEN_TOKEN), ("officer", OFFICER_TOKEN)])
def test_set_webhook_gives_up_when_flood_control_goes_on(env: dict[str, str], fake_telegram: FakeTelegram,
                                                         which: str, token: str) -> None:
    """A few tries, not a loop: the command ends non-zero (the supervisor or the operator runs it again later)."""
    tg = fake_telegram.register_bot(token)
    env = {**env, f"ZAN_TELEGRAM_{which.upper()}_TOKEN": token, "ZAN_TELEGRAM_API_BASE": fake_telegram.base_url}
    fake_telegram.fail_next("setWebhook", 429, retry_after=1, times=10, token=token)
    result = CliRunner().invoke(bot, [which, "--webhook"], env=env)
    assert result.exit_code != 0 and tg.webhook is None
    assert len(tg.calls("setWebhook")) == 3
