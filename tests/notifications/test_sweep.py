"""The sweep (the safety net for deliveries due with no task to carry them) keeps going through a backlog.

`zan notifications retry` after a long outage gives every dead delivery a fresh set of attempts and leaves the sending
to the sweep, once a minute. It took 20 events per run, in no order: a backlog of thousands of events (a day of FCM or
a partner down) took hours to drain, and the oldest could wait for the last run. Now each run takes the oldest due
first and goes on, batch after batch, until nothing stray is left or its time budget is spent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications import jobs
from backend.notifications.models import Delivery
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio

STRAYS = 45  # more than two of the old runs' batches


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_one_sweep_drains_a_backlog_of_stray_deliveries(ctx: Context,
                                                             webhook_receiver: WebhookReceiver) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    partner_id = await partner_with_webhook(ctx, webhook_receiver.url("/zan/events"))
    keys = [(await fan_out(ctx, await new_report(ctx, partner_id=partner_id)))[1] for _ in range(STRAYS)]
    async with ctx.sessions() as session:  # due for a while, and no task carries them (as after a retry of the dead)
        await session.execute(update(Delivery).where(Delivery.event_key.in_(keys))  # type: ignore[attr-defined]
                              .values(next_attempt_at=utcnow() - timedelta(minutes=5)))
        await session.commit()

    await jobs.sweep(ctx)

    delivered = {d.header("x-zan-event-id") for d in webhook_receiver.deliveries if d.answered_status == 200}
    assert len(delivered) == STRAYS, f"{len(delivered)} of {STRAYS} stray events sent by one sweep"
