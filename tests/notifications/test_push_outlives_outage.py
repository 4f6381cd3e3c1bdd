"""A push is retried for as long as it lives, not for a fixed hour of attempts; an officer's devices silenced earlier
keep the reason they were silenced for.

Pushes used to be dead-lettered after 8 attempts (≈ 1 h of FCM refusing them) while the push itself lives days (a
citizen's status update 3, an area alert up to 7): an FCM outage of two hours lost "your report was assigned". Now
the same backoff goes on until the push's `expires_at`, and only then is the row given up (`dead`, with FCM's last
error, for `zan notifications stuck`). Through the real firebase-admin SDK and FakeFCM, the sender's clock moved by
the test (as tests/notifications/test_retry_after.py does). FCM refuses with 429 here: the SDK retries a 500/503
itself for seconds per attempt, and our schedule is the same for both."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import as_utc
from backend.notifications import delivery
from backend.notifications.models import Delivery, Device
from backend.notifications.service import deactivate_officer_devices
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import BOTH_DBS, citizen_devices, new_report, officer_device
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_push_life import life_of
from tests.notifications.test_retry_after import VirtualClock, the_row
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio
HOUR = 3600


async def retry_until(ctx: Context, clock: VirtualClock, event_key: str, *, hours: float) -> Delivery:
    """Try the event's one delivery whenever the schedule says it is due, for `hours` of FCM refusing it (or until
    the row stops being pending). Returns the row as last recorded."""
    start = clock.now
    while True:
        await delivery.deliver_pending(ctx, event_key=event_key)
        row = await the_row(ctx, event_key)
        if row.status != "pending" or clock.now - start >= timedelta(hours=hours):
            return row
        clock.now = as_utc(row.next_attempt_at)


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_citizens_push_is_delivered_when_fcm_comes_back_after_two_hours(
        ctx: Context, fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch) -> None:
    report = await new_report(ctx, category="public_order")
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    fcm.set_behaviour(phone.token or "", "quota", retry_after=0)  # FCM refuses every message
    _event, key = await fan_out(ctx, report, Action.ASSIGN)
    clock = VirtualClock()
    monkeypatch.setattr(delivery, "utcnow", clock)

    row = await retry_until(ctx, clock, key, hours=2)
    assert row.status == "pending", row.last_error  # was: dead after its 8th attempt, an hour in
    assert row.attempts > row.max_attempts == 8  # a row written with 8 attempts (as every push before this change)
    assert fcm.pushes_to(phone.token or "") == []

    fcm.set_behaviour(phone.token or "", "ok")  # FCM is back
    clock.now = as_utc(row.next_attempt_at)
    await delivery.deliver_pending(ctx, event_key=key)

    row = await the_row(ctx, key)
    assert row.status == "sent"
    (push,) = fcm.pushes_to(phone.token or "")
    ttl, _ = life_of(push.message)
    assert 2 * 24 * HOUR < ttl <= 3 * 24 * HOUR - 2 * HOUR  # what is left of its three days, not all of them


async def test_push_is_given_up_when_its_life_runs_out_not_before(
        ctx: Context, fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crew's ordinary assignment lives a shift (12 h): tried all along it, then dead with FCM's error, never
    retried past it."""
    crew = await make_unit(ctx)
    report = await new_report(ctx, unit_id=crew.id, category="public_order", district="astana")
    tablet = await officer_device(ctx, unit=crew)
    fcm.set_behaviour(tablet.token or "", "quota", retry_after=0)
    _event, key = await fan_out(ctx, report, Action.ASSIGN)
    clock = VirtualClock()
    monkeypatch.setattr(delivery, "utcnow", clock)

    row = await retry_until(ctx, clock, key, hours=24)
    life = datetime.fromisoformat(row.payload["expires_at"])  # its shift, from the assignment
    assert row.status == "dead"
    assert "QuotaExceededError" in (row.last_error or "")
    # the last try was within its last half hour (the schedule's cap), the next one would have been past it
    assert life - timedelta(seconds=1.1 * 1800) <= clock.now < life
    assert row.attempts == len([a for a in fcm.attempts if a.target == tablet.token]) > 8


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_revoking_an_officer_keeps_the_reason_an_earlier_silenced_device_has(ctx: Context) -> None:
    gone = await officer_device(ctx)  # FCM said its token is gone before the officer was revoked
    async with ctx.sessions() as session:
        await session.execute(update(Device).where(Device.id == gone.id)  # type: ignore[arg-type]
                              .values(active=False, pruned_reason="UnregisteredError"))
        await session.commit()
    async with ctx.sessions() as session:
        working = Device(owner_type="officer", officer_id=gone.officer_id, platform="android", token="tablet-2")
        working_id = working.id
        session.add(working)
        await session.commit()

    async with ctx.sessions() as session:
        assert gone.officer_id is not None
        await deactivate_officer_devices(session, gone.officer_id, "officer_revoked")
        await session.commit()
        found = {d.id: (d.active, d.pruned_reason) for d in await session.scalars(
            select(Device).where(Device.officer_id == gone.officer_id))}  # type: ignore[arg-type]
    assert found == {gone.id: (False, "UnregisteredError"), working_id: (False, "officer_revoked")}
