"""Fixtures for notification tests: the real firebase-admin SDK against FakeFCM, reports with devices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import firebase_admin
import pytest

from backend.context import Context
from backend.jobs.relay import Relay
from backend.notifications.fcm import FcmSender
from backend.notifications.models import Device
from backend.notifications.schemas import DeviceIn
from backend.notifications.service import Owner, register_device
from backend.officers.models import Unit
from backend.reports.models import Report, ReportEvent
from backend.reports.service import SYSTEM, By, change_status, lock
from backend.reports.workflow import Action, Actor
from tests.core.factories import make_report
from tests.fakes.fcm import FakeFCM, registration_token


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite unless a test asks for both: `@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)`."""
    return str(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))


@pytest.fixture
def fcm(ctx: Context, fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> FakeFCM:
    """Pushes go through firebase-admin (OAuth + messages:send) to the loopback fake."""
    ctx.extras["push_sender"] = FcmSender(firebase_app)
    ctx.settings = ctx.settings.with_(enable_routing=False)
    return fake_fcm


async def citizen_devices(ctx: Context, report: Report, languages: Sequence[str]) -> list[Device]:
    devices = []
    async with ctx.sessions() as session:
        for lang in languages:
            # registered through the app the report was filed through (only that app is told its news)
            owner = Owner(kind="citizen", citizen_id=report.citizen_id, partner_id=report.partner_id)
            devices.append(await register_device(session, owner=owner, language=lang,
                                                 data=DeviceIn(platform="android", token=registration_token(lang))))
        await session.commit()
    return devices


async def officer_device(ctx: Context, *, unit: Unit | None = None, lat: float | None = None,
                         lon: float | None = None, language: str = "ru") -> Device:
    """A push device of a new officer, a member of `unit` (unit pushes find their crew through unit_members)."""
    from backend.notifications.service import update_device_area
    from tests.officers.factories import make_officer

    officer_id = (await make_officer(ctx, unit=unit))[0].id
    async with ctx.sessions() as session:
        device = await register_device(session, owner=Owner(kind="officer", officer_id=officer_id),
                                       language=language,
                                       data=DeviceIn(platform="android", token=registration_token("tablet")))
        if lat is not None and lon is not None:
            await update_device_area(session, officer_id, lat, lon)
        await session.commit()
    return device


async def new_report(ctx: Context, **fields: Any) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, **fields)
        await session.commit()
    return report


async def act(ctx: Context, report_id: uuid.UUID, *actions: Action, by: By = SYSTEM,
              data: dict[str, object] | None = None) -> list[ReportEvent]:
    """Status changes through the one door (change_status), committed; returns their events."""
    events = []
    async with ctx.sessions() as session:
        report = await lock(session, report_id)
        assert report is not None
        for action in actions:
            who = by if action is not Action.EN_ROUTE else By(Actor.PATROL_OFFICER, "officer-1", "tablet")
            events.append(await change_status(session, report, action, who, data=data))
        await session.commit()
    return events


async def drain(ctx: Context, timeout_s: float = 20.0) -> None:
    """Run the outbox until no delivery is waiting (retries scheduled seconds ahead included) and no task is due,
    handed out or running anywhere. The app under test runs a relay of its own: a fan-out task it has claimed is
    invisible to this relay, and until it has run there is no delivery to wait for (CI once read the pushes before it
    had); a task it has claimed and not yet started is `queued`, neither due nor running (a loaded machine read the
    pushes then)."""
    import asyncio
    import time

    from sqlalchemy import func, select
    from sqlmodel import col

    from backend.jobs.models import OutboxTask
    from backend.jobs.service import HANDED_OUT
    from backend.lib.clock import utcnow
    from backend.notifications.models import Delivery

    relay, deadline = Relay(ctx), time.monotonic() + timeout_s
    while True:
        await relay.drain(max(deadline - time.monotonic(), 0.1))
        async with ctx.sessions() as session:
            waiting = await session.scalar(select(func.count()).select_from(Delivery).where(
                col(Delivery.status).in_(("pending", "sending"))))
            busy = await session.scalar(select(func.count()).select_from(OutboxTask).where(
                col(OutboxTask.status).in_(HANDED_OUT)
                | ((OutboxTask.status == "pending") & (OutboxTask.next_attempt_at <= utcnow()))))
        if not (waiting or busy) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.1)


BOTH_DBS = ["postgres", "sqlite"]
