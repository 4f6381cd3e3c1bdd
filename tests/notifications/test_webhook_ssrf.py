"""Partner webhooks go only to https and public addresses in production: checked when set and at every send.

A webhook URL pointing at cloud metadata, Redis on loopback or an internal service is refused by
`zan notifications webhook-set`, and a stored one (set before this check existed, or by `zan partners create`) is
refused at send time and dead-lettered at once with the reason, never POSTed. ZAN_WEBHOOK_ALLOW_PRIVATE (on by
default in embedded mode only) lets tests and demos use loopback receivers.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from backend.context import Context
from backend.notifications import delivery
from backend.partners.models import Partner
from backend.partners.service import create as create_partner
from backend.settings import Settings
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_retry_after import the_row
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio


def test_only_embedded_mode_allows_private_webhooks_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    assert Settings.from_env().webhooks_may_reach_private is True
    monkeypatch.setenv("ZAN_ENVIRONMENT", "production")
    monkeypatch.setenv("ZAN_DATABASE_URL", "postgresql+asyncpg://zan@127.0.0.1/zan")
    monkeypatch.setenv("ZAN_SECRET_KEY", "0123456789abcdef" * 4)
    assert Settings.from_env().webhooks_may_reach_private is False
    monkeypatch.setenv("ZAN_WEBHOOK_ALLOW_PRIVATE", "true")
    assert Settings.from_env().webhooks_may_reach_private is True
    monkeypatch.setenv("ZAN_ENVIRONMENT", "embedded")
    monkeypatch.setenv("ZAN_WEBHOOK_ALLOW_PRIVATE", "false")
    assert Settings.from_env().webhooks_may_reach_private is False


@pytest.mark.parametrize(
    "url", ["https://169.254.169.254/latest/meta-data/", "http://partner.example/zan", "https://127.0.0.1:6379/"]
)
async def test_webhook_set_refuses_an_unsafe_url(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    from click.testing import CliRunner

    from backend.notifications.cli import notifications

    name = f"kaspi-{uuid.uuid4().hex[:6]}"
    async with ctx.sessions() as session:
        created = await create_partner(session=session, secret_key=ctx.settings.secret_key, name=name)
    monkeypatch.setenv("ZAN_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("ZAN_SECRET_KEY", ctx.settings.secret_key)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ZAN_WEBHOOK_ALLOW_PRIVATE", "false")
    result = await asyncio.to_thread(
        CliRunner().invoke, notifications, ["webhook-set", "--partner", name, "--url", url]
    )
    assert result.exit_code == 2, result.output
    assert "--url" in result.output and ("https URL" in result.output or "only public addresses" in result.output)
    async with ctx.sessions() as session:
        partner = await session.get(Partner, created.id)
    assert partner is not None and partner.webhook_url is None and partner.webhook_secret_sealed is None


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
@pytest.mark.parametrize("target", ["http", "ip", "name", "mapped"])
async def test_a_stored_unsafe_url_is_dead_lettered_at_once_in_production(
    ctx: Context, webhook_receiver: WebhookReceiver, target: str
) -> None:
    port = webhook_receiver.url("").rsplit(":", 1)[1]
    url = {
        "http": webhook_receiver.url("/zan"),
        "ip": f"https://127.0.0.1:{port}/zan",
        "name": f"https://localhost:{port}/zan",
        "mapped": f"https://[::ffff:127.0.0.1]:{port}/zan",
    }[target]
    ctx.settings = ctx.settings.with_(enable_routing=False, environment="production")
    report = await new_report(ctx, partner_id=await partner_with_webhook(ctx, url))
    _event, key = await fan_out(ctx, report)

    await delivery.deliver_pending(ctx, event_key=key)
    row = await the_row(ctx, key)
    assert (row.status, row.attempts) == ("dead", 1)  # not a day of retries
    assert row.last_error is not None and row.last_error.startswith("refused: ")
    assert ("https URL" if target == "http" else "loopback" if target != "mapped" else "IPv4-mapped") in row.last_error
    assert webhook_receiver.deliveries == []


async def test_production_may_allow_private_webhooks_explicitly(
    ctx: Context, webhook_receiver: WebhookReceiver
) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False, environment="production", webhook_allow_private=True)
    report = await new_report(ctx, partner_id=await partner_with_webhook(ctx, webhook_receiver.url("/zan")))
    _event, key = await fan_out(ctx, report)
    await delivery.deliver_pending(ctx, event_key=key)
    assert (await the_row(ctx, key)).status == "sent"
    assert len(webhook_receiver.deliveries) == 1
