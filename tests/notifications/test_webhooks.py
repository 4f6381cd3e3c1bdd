"""Partner webhooks: signed, retried on failure, idempotent by event id, replays detectable by the receiver."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from backend.context import Context
from backend.lib.crypto import seal
from backend.notifications.webhooks import WebhookReplayError, WebhookVerificationError, verify_webhook
from backend.partners.models import Partner
from backend.partners.service import create as create_partner
from backend.reports.workflow import Action
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, act, drain, new_report

pytestmark = pytest.mark.anyio
SECRET = "whsec-test-" + uuid.uuid4().hex


async def partner_with_webhook(ctx: Context, url: str) -> uuid.UUID:
    async with ctx.sessions() as session:
        created = await create_partner(session=session, secret_key=ctx.settings.secret_key,
                                       name=f"halyk-{uuid.uuid4().hex[:6]}")
        partner = await session.get(Partner, created.id)
        assert partner is not None
        partner.webhook_url, partner.webhook_secret_sealed = url, seal(ctx.settings.secret_key, SECRET)
        await session.commit()
    return created.id


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_status_change_is_signed_retried_and_replay_detectable(ctx: Context,
                                                                      webhook_receiver: WebhookReceiver) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    partner_id = await partner_with_webhook(ctx, webhook_receiver.url("/zan/events"))
    report = await new_report(ctx, partner_id=partner_id)
    webhook_receiver.fail_next(1, status=503)
    (event,) = await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx, timeout_s=30)

    first, second = await webhook_receiver.wait_for_deliveries_async(2)
    assert first.answered_status == 503 and second.answered_status == 200
    assert first.header("x-zan-event-id") == second.header("x-zan-event-id") == str(event.id)
    body = second.json()
    assert body["number"] == report.number and body["status"] == "under_review" and body["action"] == "assign"
    assert set(body["text"]) == {"ru", "kk", "en"}
    assert body["discreet"] is True  # no category yet: the partner's own push must not show the report either

    seen: set[str] = set()

    def remember(event_id: str) -> bool:
        known = event_id in seen
        seen.add(event_id)
        return known

    assert verify_webhook(SECRET, second.headers, second.body, seen=remember) == str(event.id)
    with pytest.raises(WebhookReplayError):  # the same request captured and sent again
        verify_webhook(SECRET, second.headers, second.body, seen=remember)
    with pytest.raises(WebhookVerificationError):  # a changed body no longer matches the signature
        verify_webhook(SECRET, second.headers, second.body.replace(b"under_review", b"closed"))
    with pytest.raises(WebhookVerificationError):  # a different secret
        verify_webhook("not-the-secret", second.headers, second.body)
    stale = int(second.headers["x-zan-timestamp"]) + 301
    with pytest.raises(WebhookVerificationError):  # a captured request replayed much later
        verify_webhook(SECRET, second.headers, second.body, now=stale)
    assert len(webhook_receiver.deliveries) == 2  # delivered once it succeeded; nothing more


async def _webhook_set_cli(ctx: Context, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                           name: str) -> tuple[Partner, Callable[..., Awaitable[Any]]]:
    """A new partner `name`, and `zan notifications webhook-set --partner name --url URL [flags]` run for it as an
    operator runs it, against the test's database."""
    from click.testing import CliRunner

    from backend.notifications.cli import notifications

    async with ctx.sessions() as session:
        created = await create_partner(session=session, secret_key=ctx.settings.secret_key, name=name)
        partner = await session.get(Partner, created.id)
    assert partner is not None
    monkeypatch.setenv("ZAN_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("ZAN_SECRET_KEY", ctx.settings.secret_key)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))

    async def webhook_set(url: str, *flags: str) -> Any:
        return await asyncio.to_thread(CliRunner().invoke, notifications,
                                       ["webhook-set", "--partner", name, "--url", url, *flags])

    return partner, webhook_set


async def _stored(ctx: Context, partner: Partner) -> Partner:
    async with ctx.sessions() as session:
        row = await session.get(Partner, partner.id)
    assert row is not None
    return row


async def test_webhook_set_cli_prints_the_secret_once_and_stores_it_sealed(ctx: Context, tmp_path: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.lib.crypto import unseal

    created, webhook_set = await _webhook_set_cli(ctx, tmp_path, monkeypatch, "kaspi-cli")
    result = await webhook_set("https://kaspi.example/zan")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    partner = await _stored(ctx, created)
    assert partner.webhook_url == "https://kaspi.example/zan"
    assert partner.webhook_secret_sealed and printed["webhook_secret"] not in partner.webhook_secret_sealed
    assert unseal(ctx.settings.secret_keys, partner.webhook_secret_sealed) == printed["webhook_secret"]


async def test_webhook_set_keep_secret_moves_only_the_url(ctx: Context, tmp_path: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A receiver moved to another host keeps verifying with the secret it has; without one to keep it is refused."""
    created, webhook_set = await _webhook_set_cli(ctx, tmp_path, monkeypatch, "halyk-cli")
    refused = await webhook_set("https://halyk.example/zan", "--keep-secret")
    assert refused.exit_code == 1 and "no webhook secret to keep" in refused.output
    first = await webhook_set("https://halyk.example/zan")
    assert first.exit_code == 0, first.output
    sealed = (await _stored(ctx, created)).webhook_secret_sealed
    moved = await webhook_set("https://hooks.halyk.example/zan", "--keep-secret")
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output) == {"partner": "halyk-cli", "webhook_url": "https://hooks.halyk.example/zan",
                                        "webhook_secret": None}
    partner = await _stored(ctx, created)
    assert partner.webhook_url == "https://hooks.halyk.example/zan" and partner.webhook_secret_sealed == sealed
