"""Every push carries a time to live for its kind (Android `ttl`, APNs `apns-expiration`), and officers' pushes name
the district as a person reads it.

Without a TTL FCM keeps a message four weeks: a tablet back online after a day showed "urgent report assigned to your
crew" hours after it mattered, a phone a citizen's "status changed" days late. Officers read "almaty" (the district's
code) where a person expects "Алматы". Through the real firebase-admin SDK and FakeFCM."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.models import Escalation
from backend.lib.clock import utcnow
from backend.lib.metrics import DELIVERIES
from backend.notifications import delivery, fanout, jobs, templates
from backend.notifications.models import Delivery, Device
from backend.notifications.schemas import DeviceIn
from backend.notifications.service import Owner, register_device
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM, registration_token
from tests.notifications.conftest import act, citizen_devices, drain, new_report, officer_device
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
DAY = 24 * 3600
# the lives chosen (templates.PUSH_TTL_S), written out: what a device is promised, checked as FCM receives it
URGENT_ASSIGNMENT, ASSIGNMENT, REPORT_UPDATE = 10 * 60, 12 * 3600, 3 * DAY
URGENT_ESCALATION, TERM_ESCALATION = 30 * 60, 12 * 3600


def life_of(message: dict[str, Any]) -> tuple[float, float]:
    """(Android ttl, seconds from now to the APNs expiry) of a message as FCM received it (HTTP v1 JSON)."""
    ttl = message["android"]["ttl"]
    assert re.fullmatch(r"\d+(\.\d+)?s", ttl), ttl  # protobuf Duration: "600s"
    return float(ttl.removesuffix("s")), int(message["apns"]["headers"]["apns-expiration"]) - time.time()


def lives_for(message: dict[str, Any], seconds: int) -> bool:
    """The message's life is `seconds`, less what went by since the event (far less than half of the shortest)."""
    ttl, expires_in = life_of(message)
    return seconds / 2 < ttl <= seconds and seconds / 2 < expires_in <= seconds + 5


async def test_each_kind_of_report_push_reaches_fcm_with_its_own_time_to_live(ctx: Context, fcm: FakeFCM) -> None:
    crew, other_crew = await make_unit(ctx), await make_unit(ctx)
    urgent = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district="astana")
    ordinary = await new_report(ctx, unit_id=other_crew.id, category="public_order", district="astana")
    restricted = await new_report(ctx, category="domestic_violence", restricted=True)
    (phone,) = await citizen_devices(ctx, urgent, ["ru"])
    (discreet_phone,) = await citizen_devices(ctx, restricted, ["ru"])
    urgent_tablet = await officer_device(ctx, unit=crew)
    tablet = await officer_device(ctx, unit=other_crew)
    for report in (urgent, ordinary, restricted):
        await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)

    (alert,) = fcm.pushes_to(urgent_tablet.token or "")
    # an urgent assignment lives minutes (the crew's time to accept it), at high priority on both platforms
    assert lives_for(alert.message, URGENT_ASSIGNMENT)
    assert alert.message["android"]["priority"] == "high" and alert.message["apns"]["headers"]["apns-priority"] == "10"
    (assignment,) = fcm.pushes_to(tablet.token or "")
    assert lives_for(assignment.message, ASSIGNMENT)
    # the citizen's status update (a visible one and a data-only one) lives days: the app shows the state anyway
    (update,) = fcm.pushes_to(phone.token or "")
    (discreet,) = fcm.pushes_to(discreet_phone.token or "")
    for message in (update.message, discreet.message):
        assert lives_for(message, REPORT_UPDATE)
    assert "notification" not in discreet.message  # still data-only: only its life was added


async def test_an_urgent_assignment_lives_as_long_as_the_crew_has_to_accept_it(ctx: Context, fcm: FakeFCM) -> None:
    """ZAN_ESCALATE_UNACCEPTED_MIN set to 25: the push is not dropped at ten minutes while the crew may still accept."""
    ctx.settings = ctx.settings.with_(escalate_unaccepted_min=25)
    crew = await make_unit(ctx)
    report = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district="astana")
    tablet = await officer_device(ctx, unit=crew)
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    (alert,) = fcm.pushes_to(tablet.token or "")
    assert lives_for(alert.message, 25 * 60)


async def assigned(ctx: Context, report: Any) -> str:
    """The report assigned and its pushes fanned out now (not yet sent): their event key."""
    (event,) = await act(ctx, report.id, Action.ASSIGN)
    async with ctx.sessions() as session:
        fan = await fanout.report_event(session, event=event, report=report)
        await session.commit()
    assert fan is not None
    return fan.event_key


async def test_a_retry_gets_only_the_life_left_and_a_push_past_it_is_not_sent(
        ctx: Context, fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch) -> None:
    """As if FCM was down since the assignment: eight minutes later the urgent push is given the two minutes left of
    its ten, and the citizen's what is left of days; past its ten minutes it is not sent at all."""
    crew = await make_unit(ctx)
    report = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district="astana")
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    tablet = await officer_device(ctx, unit=crew)
    event_key = await assigned(ctx, report)
    later = utcnow() + timedelta(minutes=8)
    monkeypatch.setattr(delivery, "utcnow", lambda: later)

    await delivery.deliver_pending(ctx, event_key=event_key)

    (alert,) = fcm.pushes_to(tablet.token or "")
    ttl, expires_in = life_of(alert.message)
    assert 0 < ttl <= URGENT_ASSIGNMENT - 8 * 60 and expires_in <= 2 * 60 + 5
    (update,) = fcm.pushes_to(phone.token or "")
    assert life_of(update.message)[0] > 2 * DAY

    second = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district="astana")
    event_key = await assigned(ctx, second)
    expired_before = DELIVERIES.labels("push", "expired")._value.get()
    too_late = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(delivery, "utcnow", lambda: too_late)

    await delivery.deliver_pending(ctx, event_key=event_key)

    assert len(fcm.pushes_to(tablet.token or "")) == 1  # the first report's only
    async with ctx.sessions() as session:
        (row,) = await session.scalars(select(Delivery).where(Delivery.event_key == event_key))  # type: ignore[arg-type]
    assert row.status == "expired"
    # counted, for an operator to see urgent pushes lost to an outage longer than their life
    assert DELIVERIES.labels("push", "expired")._value.get() == expired_before + 1


async def supervisor_phone(ctx: Context, district: str) -> Device:
    officer, _ = await make_officer(ctx, role="supervisor", district=district)
    async with ctx.sessions() as session:
        phone = await register_device(session, owner=Owner(kind="officer", officer_id=officer.id), language="ru",
                                      data=DeviceIn(platform="ios", token=registration_token("supervisor")))
        await session.commit()
    return phone


async def test_an_escalation_lives_as_long_as_its_kind_is_news(ctx: Context, fcm: FakeFCM) -> None:
    phone = await supervisor_phone(ctx, "astana")
    report = await new_report(ctx, urgent=True, category="violence", district="astana")
    async with ctx.sessions() as session:
        escalations = [Escalation(report_id=report.id, kind=kind, subject=utcnow().isoformat())
                       for kind in ("unassigned_urgent", "deadline_near")]
        session.add_all(escalations)
        await session.commit()
    for esc in escalations:
        await jobs.escalation(ctx, {"escalation_id": str(esc.id)})
    await drain(ctx)

    by_kind = {p.message["data"]["kind"]: p.message for p in fcm.pushes_to(phone.token or "")}
    assert set(by_kind) == {"unassigned_urgent", "deadline_near"}
    assert lives_for(by_kind["unassigned_urgent"], URGENT_ESCALATION)
    assert lives_for(by_kind["deadline_near"], TERM_ESCALATION)


def test_every_escalation_kind_has_a_time_to_live() -> None:
    """The escalation job looks its push's life up by kind: a kind with a text and no life would fail to send."""
    assert all(f"escalation:{kind}" in templates.PUSH_TTL_S for kind in templates.ESCALATION_KINDS)


async def test_a_crews_queued_assignment_is_not_sent_once_the_report_went_to_another_crew(ctx: Context,
                                                                                        fcm: FakeFCM) -> None:
    """FCM was down while the dispatcher sent a second crew: the first crew's push, sent when FCM is back, would
    send them to a report that is no longer theirs."""
    first, second = await make_unit(ctx), await make_unit(ctx)
    report = await new_report(ctx, unit_id=first.id, category="public_order", district="astana")
    tablet, other_tablet = await officer_device(ctx, unit=first), await officer_device(ctx, unit=second)
    keys = []
    for unit in (first, second):
        (event,) = await act(ctx, report.id, Action.ASSIGN, data={"unit_id": str(unit.id)})
        async with ctx.sessions() as session:
            fan = await fanout.report_event(session, event=event, report=report)
            await session.commit()
        assert fan is not None
        keys.append(fan.event_key)
    for key in keys:
        await delivery.deliver_pending(ctx, event_key=key)

    assert fcm.pushes_to(tablet.token or "") == []
    assert len(fcm.pushes_to(other_tablet.token or "")) == 1
    async with ctx.sessions() as session:
        row = await session.scalar(select(Delivery).where(Delivery.event_key == keys[0],  # type: ignore[arg-type]
                                                          Delivery.device_id == tablet.id))  # type: ignore[arg-type]
    assert row is not None and row.status == "dropped"
