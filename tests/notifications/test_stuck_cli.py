"""`zan notifications stuck` is for scripts as much as for people: stdout holds one JSON object per line and nothing
else, and a delivery's last error is masked as the logs are.

Before: with nothing stuck it printed a sentence on stdout (a script reading JSON lines choked on it), and a last
error quoting what a partner's endpoint answered about a citizen (a phone, an IIN) was printed as it was."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from backend.context import Context
from backend.notifications.cli import notifications
from backend.notifications.models import Delivery
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio
PHONE = "+77011234567"


async def _stuck(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setenv("ZAN_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("ZAN_SECRET_KEY", ctx.settings.secret_key)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    result = await asyncio.to_thread(CliRunner().invoke, notifications, ["stuck"])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


async def test_stdout_is_json_lines_and_errors_are_masked(ctx: Context, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          webhook_receiver: WebhookReceiver) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    stdout, stderr = await _stuck(ctx, tmp_path, monkeypatch)
    assert stdout == "" and "no stuck deliveries" in stderr

    partner_id = await partner_with_webhook(ctx, webhook_receiver.url("/zan/events"))
    _event, key = await fan_out(ctx, await new_report(ctx, partner_id=partner_id))
    async with ctx.sessions() as session:  # dead-lettered with what the partner's endpoint answered
        await session.execute(update(Delivery).where(Delivery.event_key == key)  # type: ignore[arg-type]
                              .values(status="dead", last_error=f"HTTP 422: unknown subscriber {PHONE}"))
        await session.commit()
    stdout, _ = await _stuck(ctx, tmp_path, monkeypatch)
    (row,) = [json.loads(line) for line in stdout.splitlines()]
    assert row["event"] == key and row["last_error"].startswith("HTTP 422: unknown subscriber")
    assert PHONE not in stdout and "***" in row["last_error"]
