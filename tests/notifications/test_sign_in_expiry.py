"""An officer's sign-in on a device ends 30 days after the login, and the pushes to the devices registered from there
end with it: a supervisor who had not signed in again stopped hearing of escalations with nothing to say so. Three
days before, the device is told, in its language, when its sign-in ends; once, and not when the officer has signed in
there again (failed before: no such push existed)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications.models import Delivery, Device
from backend.notifications.templates import local_time
from backend.officers.jobs import REMIND_BEFORE, remind_sign_in_expiry
from backend.officers.models import Device as Tablet
from backend.officers.models import OfficerSession
from tests.fakes.fcm import FakeFCM, registration_token
from tests.notifications.conftest import BOTH_DBS, drain
from tests.officers.factories import bearer, login, make_officer

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)]


async def _signed_in_device(app_client: httpx.AsyncClient, ctx: Context, language: str = "ru",
                            ) -> tuple[str, uuid.UUID, str, str]:
    """A new officer signed in on a new tablet with a push token registered from there: (push token, the sign-in's
    id, badge, password)."""
    officer, password = await make_officer(ctx)
    tablet = f"tab-{uuid.uuid4().hex[:8]}"
    access = await login(app_client, officer.badge_number, password, tablet)
    token = registration_token(f"sign-in-{uuid.uuid4().hex[:6]}")
    registered = await app_client.post("/api/v1/devices", headers=bearer(access),
                                       json={"platform": "android", "token": token, "language": language})
    assert registered.status_code == 200, registered.text
    async with ctx.sessions() as session:
        device = await session.get(Device, uuid.UUID(registered.json()["id"]))
        assert device is not None and device.officer_device_pk is not None
        sign_in = await session.scalar(select(OfficerSession).where(
            col(OfficerSession.device_pk) == device.officer_device_pk))
        assert sign_in is not None
    return token, sign_in.id, officer.badge_number, password


async def _ends_in(ctx: Context, sign_in_id: uuid.UUID, left: timedelta, life: timedelta = timedelta(days=30)) -> None:
    """The sign-in made long ago: its `life` ends `left` from now."""
    async with ctx.sessions() as session:
        ends = utcnow() + left
        await session.execute(update(OfficerSession).where(col(OfficerSession.id) == sign_in_id)
                              .values(expires_at=ends, created_at=ends - life))
        await session.commit()


async def _remind(ctx: Context) -> None:
    await remind_sign_in_expiry(ctx)
    await drain(ctx)


async def _reminders(ctx: Context, sign_in_id: uuid.UUID) -> list[Delivery]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Delivery).where(
            col(Delivery.event_key) == f"sign-in-expiry:{sign_in_id}")))


@pytest.mark.parametrize(("language", "words"), [("ru", "Войдите заново"), ("kk", "қайта кіріңіз"),
                                                 ("en", "Sign in again")])
async def test_a_device_is_told_once_in_its_language_when_its_sign_in_ends(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient, language: str, words: str) -> None:
    token, sign_in_id, _, _ = await _signed_in_device(app_client, ctx, language)
    await _ends_in(ctx, sign_in_id, timedelta(days=2, hours=5))
    await _remind(ctx)
    (push,) = fcm.pushes_to(token)
    async with ctx.sessions() as session:
        sign_in = await session.get(OfficerSession, sign_in_id)
        assert sign_in is not None and sign_in.expiry_reminded_at is not None
        ends = sign_in.expires_at
    body = push.message["notification"]["body"]
    assert words in body and local_time(ends) in body, push.message
    assert push.message["data"]["type"] == "sign_in_expiry"
    # a push that outlives the sign-in would tell a device that is no longer signed in
    assert float(push.message["android"]["ttl"].removesuffix("s")) <= (ends - utcnow()).total_seconds() + 1

    await _remind(ctx)
    assert len(fcm.pushes_to(token)) == 1


async def test_no_reminder_far_from_the_end_after_a_new_sign_in_once_revoked_or_for_short_sign_ins(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    far_token, far, _, _ = await _signed_in_device(app_client, ctx)
    await _ends_in(ctx, far, REMIND_BEFORE + timedelta(hours=1))

    # signed in again on the same tablet: the new sign-in outlives the old one, whose end is no news
    again_token, old, badge, password = await _signed_in_device(app_client, ctx)
    async with ctx.sessions() as session:
        first = await session.get(OfficerSession, old)
        assert first is not None
        tablet = await session.get(Tablet, first.device_pk)
        assert tablet is not None
    await login(app_client, badge, password, tablet.device_id)
    await _ends_in(ctx, old, timedelta(days=1))

    revoked_token, revoked, _, _ = await _signed_in_device(app_client, ctx)
    await _ends_in(ctx, revoked, timedelta(days=1))
    async with ctx.sessions() as session:
        await session.execute(update(OfficerSession).where(col(OfficerSession.id) == revoked)
                              .values(revoked_at=utcnow(), revoked_reason="logout"))
        await session.commit()

    # a deployment that made sign-ins last five days means its officers to sign in that often
    short_token, short, _, _ = await _signed_in_device(app_client, ctx)
    await _ends_in(ctx, short, timedelta(days=1), life=timedelta(days=5))

    await _remind(ctx)
    for token in (far_token, again_token, revoked_token, short_token):
        assert fcm.pushes_to(token) == []
    for sign_in in (far, old, revoked, short):
        assert await _reminders(ctx, sign_in) == []
    # the renewed one is settled for good: it is not looked at again every minute
    async with ctx.sessions() as session:
        renewed = await session.get(OfficerSession, old)
        assert renewed is not None and renewed.expiry_reminded_at is not None
