"""A partner's webhook endpoint down for longer than the retry schedule (about a day): its status changes are
dead-lettered, not lost, and ops see them in /health and /metrics (before, only `zan notifications stuck` showed
them, so nobody knew to run `zan notifications retry`); once the partner is back, a retry delivers each once."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.notifications import delivery
from backend.notifications.service import retry_dead
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers import serving
from tests.notifications.conftest import new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_retry_after import retry_waits
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


async def test_a_webhook_dead_lettered_after_a_day_down_shows_in_health_and_metrics_and_is_retried(
        ctx: Context, webhook_receiver: WebhookReceiver) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    webhook_receiver.fail_next(10_000)  # the partner answers 500 to everything, for longer than the schedule
    report = await new_report(ctx, partner_id=await partner_with_webhook(ctx, webhook_receiver.url("/zan/events")))
    _event, key = await fan_out(ctx, report)

    row, _waits = await retry_waits(ctx, key)  # each retry made due at once: the day goes by without sleeping
    assert (row.status, row.attempts) == ("dead", delivery.RETRY_POLICIES["webhook"].max_attempts)

    # what ops look at, from an API process (one running no relay: the test sends by hand)
    async with serving(ctx.settings.with_(enable_relay=False)) as (_api, http):
        health = (await http.get("/health")).json()
        assert health["queue"]["deliveries_dead"] == {"push": 0, "topic": 0, "webhook": 1}
        metrics = (await http.get("/metrics")).text
        assert 'zan_dead_letters{queue="webhook"} 1.0' in metrics
        assert 'zan_dead_letters{queue="outbox"} 0.0' in metrics

    webhook_receiver.reset()  # the partner is back
    async with ctx.sessions() as session:
        assert await retry_dead(session) == 1  # `zan notifications retry`
        await session.commit()
    await delivery.deliver_pending(ctx, event_key=key)
    assert [d.answered_status for d in webhook_receiver.deliveries] == [200]
    async with serving(ctx.settings.with_(enable_relay=False)) as (_api, http):
        assert (await http.get("/health")).json()["queue"]["deliveries_dead"]["webhook"] == 0
