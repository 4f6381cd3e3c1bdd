"""A push whose next backoff would land past its life gets one last try shortly before the life ends, instead of
being given up at once (backend.notifications.retries._failure). An urgent assignment lives ten minutes (the crew's
time to accept it): with the 30 s doubling its fifth try comes about 7.5 minutes in, the next would be past the ten,
and the row was `dead` right there, though FCM back at minute 8.5 could still have woken the crew's tablet. Through
the real firebase-admin SDK and FakeFCM, the sender's clock moved by the test (tests/notifications/
test_push_outlives_outage.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from backend.context import Context
from backend.lib.clock import as_utc
from backend.notifications import delivery
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import new_report, officer_device
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_retry_after import VirtualClock, the_row
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio


async def test_an_urgent_push_gets_a_last_try_before_its_life_ends(
        ctx: Context, fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch) -> None:
    crew = await make_unit(ctx)
    report = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district="astana")
    tablet = await officer_device(ctx, unit=crew)
    fcm.set_behaviour(tablet.token or "", "quota", retry_after=0)  # FCM refuses every message
    _event, key = await fan_out(ctx, report, Action.ASSIGN)
    clock = VirtualClock()
    monkeypatch.setattr(delivery, "utcnow", clock)
    start = clock.now

    while True:
        await delivery.deliver_pending(ctx, event_key=key)
        row = await the_row(ctx, key)
        if row.status != "pending":
            break
        clock.now = as_utc(row.next_attempt_at)
        if clock.now - start >= timedelta(minutes=8.5):
            fcm.set_behaviour(tablet.token or "", "ok")  # FCM is back, with a minute and a half of the push's life
    life = datetime.fromisoformat(row.payload["expires_at"])
    assert life - start <= timedelta(minutes=10)  # the urgent assignment's life
    # before the fix: dead with QuotaExceededError at about 7.5 minutes, the crew's tablet never woken
    assert row.status == "sent", (row.status, row.last_error, clock.now - start)
    assert clock.now < life
    assert len(fcm.pushes_to(tablet.token or "")) == 1
