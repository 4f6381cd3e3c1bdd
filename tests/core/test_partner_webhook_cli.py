"""`zan partners create --webhook-url` (README, "Partner apps"): the partner's citizens' events are POSTed to the URL,
signed with a webhook secret the command prints once. It used to store the URL alone: with no secret to sign with,
no event was ever sent, and the partner had nothing to verify one with either."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.cli import main
from backend.context import Context
from backend.notifications.webhooks import verify_webhook
from backend.reports.workflow import Action
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import act, drain, new_report

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_partner_created_with_a_webhook_url_gets_its_events_signed(
    ctx: Context, webhook_receiver: WebhookReceiver, tmp_path: Path
) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    env = {**cleared, "ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_SECRET_KEY": ctx.settings.secret_key,
           "ZAN_VAR_DIR": str(tmp_path), "ZAN_LOG_JSON": "false"}
    args = ["partners", "create", "--name", f"halyk-{uuid.uuid4().hex[:6]}",
            "--webhook-url", webhook_receiver.url("/zan/events")]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env=env)
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert set(created) == {"id", "name", "secret", "webhook_secret"}

    report = await new_report(ctx, partner_id=uuid.UUID(created["id"]))
    (event,) = await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx, timeout_s=30)

    (delivered,) = await webhook_receiver.wait_for_deliveries_async(1)
    assert verify_webhook(created["webhook_secret"], delivered.headers, delivered.body) == str(event.id)
