"""Report events → one push per device, in its language, through the real firebase-admin SDK and FakeFCM."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.lib.clock import as_utc
from backend.notifications import delivery, fanout, jobs
from backend.notifications.models import Delivery, Device
from backend.reports.service import is_restricted
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import BOTH_DBS, act, citizen_devices, drain, new_report, officer_device

pytestmark = pytest.mark.anyio


async def deliveries(ctx: Context, **where: Any) -> list[Delivery]:
    async with ctx.sessions() as session:
        query = select(Delivery)
        for name, value in where.items():
            query = query.where(getattr(Delivery, name) == value)
        return list(await session.scalars(query))


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_status_change_gives_one_push_per_device_in_its_language(ctx: Context, fcm: FakeFCM) -> None:
    report = await new_report(ctx, category="public_order")  # an uncategorised one's pushes show nothing
    kk, ru, en = await citizen_devices(ctx, report, ["kk", "ru", "en"])
    events = await act(ctx, report.id, Action.ASSIGN, Action.EN_ROUTE)
    await drain(ctx)

    for device, title, body in ((kk, "Өтініш", "Полиция қызметкері жолда."),
                                (ru, "Обращение", "Сотрудник полиции выехал к вам."),
                                (en, "Report", "A police officer is on the way.")):
        pushes = fcm.pushes_to(device.token or "")
        assert len(pushes) == 2, [p.message for p in pushes]  # assign + en_route, once each
        en_route = [p.message for p in pushes if p.message["data"]["event_id"] == str(events[1].id)]
        assert len(en_route) == 1
        assert en_route[0]["notification"] == {"title": f"{title} {report.number}", "body": body}
        assert en_route[0]["data"]["citizen_status"] == "in_work"
        assert en_route[0]["android"]["notification"]["tag"] == str(events[1].id)  # a re-send replaces, not adds
    # the outbox retrying the job (same event) sends nothing again
    await jobs.report_event(ctx, {"event_id": str(events[1].id), "report_id": str(report.id)})
    assert len(fcm.pushes) == 6
    assert {d.status for d in await deliveries(ctx)} == {"sent"}


async def test_assignment_reaches_the_units_tablets_and_urgent_is_high_priority(ctx: Context, fcm: FakeFCM) -> None:
    from tests.officers.factories import make_unit

    unit, other_unit = await make_unit(ctx), await make_unit(ctx)
    report = await new_report(ctx, unit_id=unit.id, urgent=True, category="violence", district="astana")
    tablet = await officer_device(ctx, unit=unit, language="kk")
    elsewhere = await officer_device(ctx, unit=other_unit)
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    pushes = fcm.pushes_to(tablet.token or "")
    assert len(pushes) == 1
    message = pushes[0].message
    assert message["notification"]["title"] == f"ШҰҒЫЛ: {report.number}"
    assert message["android"]["priority"] == "high" and message["apns"]["headers"]["apns-priority"] == "10"
    assert fcm.pushes_to(elsewhere.token or "") == []


async def test_restricted_category_gets_a_discreet_data_only_push(ctx: Context, fcm: FakeFCM) -> None:
    report = await new_report(ctx, category="domestic_violence", restricted=True)
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    (push,) = fcm.pushes_to(phone.token or "")
    message = push.message
    assert "notification" not in message and "notification" not in message.get("android", {})
    assert message["apns"]["headers"]["apns-push-type"] == "background"
    assert message["apns"]["payload"]["aps"]["content-available"] == 1
    assert report.number not in str(message) and "citizen_status" not in message["data"]
    assert is_restricted(report)


async def test_unregistered_and_foreign_tokens_are_pruned(ctx: Context, fcm: FakeFCM) -> None:
    report = await new_report(ctx)
    gone, mismatch, fine = await citizen_devices(ctx, report, ["ru", "ru", "ru"])
    fcm.set_behaviour(gone.token or "", "unregistered")
    fcm.set_behaviour(mismatch.token or "", "sender_id_mismatch")
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    async with ctx.sessions() as session:
        states = {d.id: (d.active, d.pruned_reason) for d in await session.scalars(select(Device))}
    assert states[gone.id] == (False, "UnregisteredError") and states[mismatch.id][0] is False
    assert states[fine.id] == (True, None)
    assert {d.status for d in await deliveries(ctx)} == {"sent", "dropped"}
    await act(ctx, report.id, Action.EN_ROUTE)
    await drain(ctx)
    attempts_to_gone = [a for a in fcm.attempts if a.target == gone.token]
    assert len(attempts_to_gone) == 1  # never tried again after pruning
    assert len(fcm.pushes_to(fine.token or "")) == 2


async def test_invalid_argument_prunes_only_when_it_names_the_token(ctx: Context, fcm: FakeFCM) -> None:
    report = await new_report(ctx)
    (bad,) = await citizen_devices(ctx, report, ["ru"])
    fcm.set_behaviour(bad.token or "", "invalid_argument")  # the fake's answer names message.token
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    async with ctx.sessions() as session:
        device = await session.get(Device, bad.id)
    assert device is not None and device.active is False


@pytest.fixture
def fast_push_retries(monkeypatch: pytest.MonkeyPatch) -> delivery.RetryPolicy:
    """The push schedule shrunk from 30 s..30 min to 0.05..0.4 s (otherwise the same), so a test may wait it out.
    These tests used to lean on a short Retry-After *replacing* the backoff; it is only a lower bound now (a provider
    saying "1 s" every time must not burn a push's retries in seconds: test_retry_after.py)."""
    fast = dataclasses.replace(delivery.RETRY_POLICIES["push"], base_s=0.05, cap_s=0.4)
    monkeypatch.setitem(delivery.RETRY_POLICIES, "push", fast)
    return fast


@pytest.mark.usefixtures("fast_push_retries")
async def test_quota_429_and_503_are_retried_until_delivered(ctx: Context, fcm: FakeFCM) -> None:
    report = await new_report(ctx)
    throttled, flaky = await citizen_devices(ctx, report, ["ru", "kk"])
    fcm.set_behaviour(throttled.token or "", "quota", times=2, retry_after=1)
    fcm.set_behaviour(flaky.token or "", "unavailable", times=2)  # the SDK retries 503 itself (0 s, 1 s)
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx, timeout_s=30)
    assert len(fcm.pushes_to(throttled.token or "")) == 1
    assert len(fcm.pushes_to(flaky.token or "")) == 1
    statuses = [a.status for a in fcm.attempts if a.target == throttled.token]
    assert statuses == [429, 429, 200]
    (row,) = [d for d in await deliveries(ctx) if d.device_id == throttled.id]
    assert row.status == "sent" and row.attempts == 3


async def test_dead_letter_when_its_life_runs_out_and_cli_lists_it(ctx: Context, fcm: FakeFCM, tmp_path: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: dead after its 8th attempt. A push is given up when its life ends (an urgent assignment's ten minutes,
    tried at 0, 30 s, 1.5, 3.5 and 7.5 min, and, as the next backoff would come after it, a last time 30 s before
    its end: it was dead at 7.5 min), with the sender's clock moved."""
    from click.testing import CliRunner

    from backend.notifications.cli import notifications
    from tests.notifications.test_delivery_edge_cases import fan_out
    from tests.notifications.test_retry_after import VirtualClock
    from tests.officers.factories import make_unit

    crew = await make_unit(ctx)
    report = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district="astana")
    tablet = await officer_device(ctx, unit=crew)
    fcm.set_behaviour(tablet.token or "", "quota", retry_after=0)  # always throttled
    _event, key = await fan_out(ctx, report)
    clock = VirtualClock()
    monkeypatch.setattr(delivery, "utcnow", clock)
    for _ in range(20):
        await delivery.deliver_pending(ctx, event_key=key)
        (row,) = await deliveries(ctx, event_key=key)
        if row.status != "pending":
            break
        clock.now = as_utc(row.next_attempt_at)
    assert row.status == "dead" and row.attempts == 6
    assert clock.now == datetime.fromisoformat(row.payload["expires_at"]) - timedelta(seconds=30)  # the last try
    assert "QuotaExceededError" in (row.last_error or "")
    monkeypatch.setenv("ZAN_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("ZAN_SECRET_KEY", ctx.settings.secret_key)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    result = await asyncio.to_thread(CliRunner().invoke, notifications, ["stuck"])
    assert result.exit_code == 0, result.output
    assert str(row.id) in result.output and "QuotaExceededError" in result.output


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(ctx: Context, fcm: FakeFCM) -> None:
    report = await new_report(ctx)
    devices = await citizen_devices(ctx, report, ["ru"] * 5)
    (event,) = await act(ctx, report.id, Action.ASSIGN)
    async with ctx.sessions() as session:
        fan = await fanout.report_event(session, event=event, report=report)
        await session.commit()
    assert fan is not None and fan.recipients == 5
    key = fan.event_key
    # worker A claims the whole batch, sends two of them, records those, and dies before the rest
    # a lease long enough for A's first send (OAuth token + connection) on a loaded machine, short enough to wait out
    token, rows = await delivery.claim(ctx, event_key=key, lease_s=2.0)
    assert len(rows) == 5
    await delivery.process_claimed(ctx, token, rows[:2])
    assert len(fcm.pushes) == 2
    # while A's lease runs nobody else may take its rows
    assert (await delivery.claim(ctx, event_key=key))[1] == []
    await asyncio.sleep(2.1)
    # worker B (the outbox re-running the job) takes over after the lease: only what A never recorded is sent
    await drain(ctx)
    for device in devices:
        assert len(fcm.pushes_to(device.token or "")) == 1, device.id
    assert {d.status for d in await deliveries(ctx)} == {"sent"}
    # A waking up late neither re-sends nor overwrites B's result for rows it no longer owns
    assert await delivery.process_claimed(ctx, token, rows[2:3]) == (0, 0)
    assert len(fcm.pushes) == 5
    reclaimed = next(d for d in await deliveries(ctx) if d.id == rows[2].id)
    assert reclaimed.claim_token != token and reclaimed.status == "sent"


async def test_log_sender_is_the_embedded_default(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    from backend.notifications.sender import LogSender, get_sender

    ctx.settings = ctx.settings.with_(push_backend="log", enable_routing=False)
    report = await new_report(ctx, category="public_order")
    (phone,) = await citizen_devices(ctx, report, ["kk"])
    caplog.set_level("INFO", logger="zan.push")
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    sender = get_sender(ctx)
    assert isinstance(sender, LogSender)
    (push,) = list(sender.sent)
    assert push.title == f"Өтініш {report.number}"
    assert phone.token and phone.token not in caplog.text and phone.token[-6:] in caplog.text


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_big_fan_out_is_shared_by_helper_tasks_and_sent_once(ctx: Context, fcm: FakeFCM,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlmodel import col

    from backend.jobs.models import OutboxTask

    monkeypatch.setattr(jobs, "SHARE_EVERY", 2)  # 5 phones count as a big fan-out: 2 helpers
    report = await new_report(ctx)
    phones = await citizen_devices(ctx, report, ["ru", "kk", "en", "ru", "kk"])
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    async with ctx.sessions() as session:
        tasks = await session.scalars(select(OutboxTask).where(col(OutboxTask.task) == "notifications.deliver"))
        helpers = [t for t in tasks if t.payload.get("helper")]
    assert len(helpers) == 2 and {t.status for t in helpers} == {"done"}
    for phone in phones:
        assert len(fcm.pushes_to(phone.token or "")) == 1, phone.id
    assert {d.status for d in await deliveries(ctx)} == {"sent"}
