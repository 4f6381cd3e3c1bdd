"""A server's Retry-After lengthens a retry's wait, never shortens it below the backoff.

A partner answering every attempt `503 Retry-After: 1` (or FCM a small 429 wait) must still be retried for the
policy's whole span (about a day for webhooks, a push's whole life), not dead-lettered within seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from firebase_admin import _http_client
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import as_utc, utcnow
from backend.notifications import delivery
from backend.notifications.models import Delivery
from tests.fakes.fcm import FakeFCM
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, citizen_devices, new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio


class VirtualClock:
    """delivery's clock, moved by the test: a wait of a day is stepped through without sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def the_row(ctx: Context, event_key: str) -> Delivery:
    async with ctx.sessions() as session:
        row = await session.scalar(select(Delivery).where(Delivery.event_key == event_key))  # type: ignore[arg-type]
    assert row is not None
    return row


def nominal(policy: delivery.RetryPolicy, attempt: int) -> float:
    return min(policy.cap_s, policy.base_s * 2.0 ** (attempt - 1))


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_partner_answering_retry_after_1_is_not_dead_lettered_within_seconds(
        ctx: Context, webhook_receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    webhook_receiver.fail_next(10_000, status=503, headers={"Retry-After": "1"})
    report = await new_report(ctx, partner_id=await partner_with_webhook(ctx, webhook_receiver.url("/zan/events")))
    _event, key = await fan_out(ctx, report)
    clock = VirtualClock()
    monkeypatch.setattr(delivery, "utcnow", clock)

    # 40 s of the partner's downtime, trying whenever the schedule says a retry is due (the old rule: every
    # second, all 21 attempts spent in ~20 s). The backoff's 2, 4, 8, 16 s (±10 %) put attempts at 0, ~2, ~6, ~14
    # and ~30 s; the sixth is due no earlier than ~56 s, whatever the jitter.
    for _ in range(40):
        await delivery.deliver_pending(ctx, event_key=key)
        clock.now += timedelta(seconds=1)
    row = await the_row(ctx, key)
    assert (row.status, row.attempts, row.max_attempts) == ("pending", 5, 21)
    assert len(webhook_receiver.deliveries) == 5
    assert all(d.answered_status == 503 for d in webhook_receiver.deliveries)


async def retry_waits(ctx: Context, event_key: str) -> tuple[Delivery, list[float]]:
    """Send the event's one delivery until it stops being pending, each retry made due at once; the waits the
    schedule asked for after each attempt."""
    waits: list[float] = []
    for _ in range(50):
        await delivery.deliver_pending(ctx, event_key=event_key)
        row = await the_row(ctx, event_key)
        if row.status != "pending":
            return row, waits
        waits.append((as_utc(row.next_attempt_at) - as_utc(row.updated_at)).total_seconds())
        async with ctx.sessions() as session:
            await session.execute(update(Delivery).where(Delivery.id == row.id)  # type: ignore[arg-type]
                                  .values(next_attempt_at=utcnow()))
            await session.commit()
    raise AssertionError("still pending after 50 attempts")


def assert_backoff(policy: delivery.RetryPolicy, waits: list[float]) -> None:
    for attempt, wait in enumerate(waits, start=1):
        expected = nominal(policy, attempt)
        assert expected * (1 - policy.jitter) - 0.01 <= wait <= expected * (1 + policy.jitter) + 0.01, (attempt, wait)


async def test_webhook_answering_retry_after_1_keeps_its_day_of_retries(
        ctx: Context, webhook_receiver: WebhookReceiver) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    webhook_receiver.fail_next(10_000, status=503, headers={"Retry-After": "1"})
    report = await new_report(ctx, partner_id=await partner_with_webhook(ctx, webhook_receiver.url("/zan/events")))
    _event, key = await fan_out(ctx, report)

    row, waits = await retry_waits(ctx, key)
    policy = delivery.RETRY_POLICIES["webhook"]
    assert (row.status, row.attempts, len(waits)) == ("dead", policy.max_attempts, policy.max_attempts - 1)
    assert_backoff(policy, waits)
    assert 20 * 3600 <= sum(waits) <= 30 * 3600  # "about a day", as webhooks.py promises partners


async def test_push_throttled_with_a_short_retry_after_keeps_retrying_for_its_life(
        ctx: Context, fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch) -> None:
    # was: "keeps its hour of retries", dead after 8 attempts; a push is now retried until its life ends
    # (test_push_outlives_outage.py), here a citizen's status update, three days
    report = await new_report(ctx)
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    fcm.set_behaviour(phone.token or "", "quota", retry_after=1)  # always throttled, "try again in a second"
    _event, key = await fan_out(ctx, report)
    clock = VirtualClock()
    monkeypatch.setattr(delivery, "utcnow", clock)

    waits: list[float] = []
    for _ in range(200):
        await delivery.deliver_pending(ctx, event_key=key)
        row = await the_row(ctx, key)
        if row.status != "pending":
            break
        waits.append((as_utc(row.next_attempt_at) - as_utc(row.updated_at)).total_seconds())
        clock.now = as_utc(row.next_attempt_at)
    policy = delivery.RETRY_POLICIES["push"]
    assert (row.status, row.attempts) == ("dead", len(waits) + 1)
    # the backoff all along; the next one would pass its life: a last try 30 s before its end instead (retries._failure)
    assert_backoff(policy, waits[:-1])
    assert 1 <= waits[-1] <= policy.cap_s * (1 + policy.jitter)
    # its last try 30 s before its life ends; or, when a try of the backoff itself fell within those 30 s (its jitter
    # lands one there about once in sixty runs: it failed so once), that one was the last (retries._failure)
    life = datetime.fromisoformat(row.payload["expires_at"])
    last_try = life - timedelta(seconds=policy.base_s)
    assert clock.now == last_try or last_try < clock.now < life, (clock.now, life)
    assert sum(waits) >= 3 * 24 * 3600 - policy.cap_s * (1 + policy.jitter)  # its three days, not seven seconds


@pytest.mark.parametrize("kind", ["push", "topic", "webhook"])
def test_retry_after_is_a_lower_bound_capped_by_the_policy(kind: str) -> None:
    policy = delivery.RETRY_POLICIES[kind]
    low, high = 1 - policy.jitter, 1 + policy.jitter
    for attempt in (1, 2, 5, policy.max_attempts - 1):
        # shorter than the backoff: the backoff
        assert nominal(policy, attempt) * low <= policy.delay(attempt, 1.0) <= nominal(policy, attempt) * high
        assert nominal(policy, attempt) * low <= policy.delay(attempt, 0.0) <= nominal(policy, attempt) * high
    # longer than the backoff: the server's wish, up to the cap
    assert policy.delay(1, policy.base_s * 10) == policy.base_s * 10
    assert policy.delay(1, 10 * policy.cap_s) == policy.cap_s


@pytest.fixture
def quick_sdk_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """firebase-admin retries a 503 four times, waiting 0, 1, 2 and 4 s (backoff_factor 0.5): 7 s a test. The SDK
    still retries as often, only with waits of 0, 20, 40 and 80 ms, and gives up with the same last answer, whose
    Retry-After is what is tested. Requested before `fcm`, whose FcmSender builds the App's client (and copies this
    policy into its transports)."""
    monkeypatch.setattr(_http_client.DEFAULT_HTTPX_RETRY_CONFIG, "backoff_factor", 0.01)  # the SDK's: 0.5


async def test_fcm_unavailable_with_retry_after_is_not_retried_sooner(ctx: Context, quick_sdk_retries: None,
                                                                     fcm: FakeFCM) -> None:
    # FCM in an outage answers 503 UNAVAILABLE with Retry-After (its docs: honour it). The SDK retries a 503 a few
    # times within seconds, ignoring the header; the row was then retried after our 30 s backoff, ten times sooner
    # than asked, however long FCM said the outage would last
    report = await new_report(ctx)
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    fcm.set_behaviour(phone.token or "", "unavailable", retry_after=600)
    _event, key = await fan_out(ctx, report)

    await delivery.deliver_pending(ctx, event_key=key)
    row = await the_row(ctx, key)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "Unavailable" in row.last_error
    waited = (as_utc(row.next_attempt_at) - as_utc(row.updated_at)).total_seconds()
    assert 600 <= waited <= delivery.RETRY_POLICIES["push"].cap_s  # not ~30 s
