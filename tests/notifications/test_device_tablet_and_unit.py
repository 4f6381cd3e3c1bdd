"""Officer push devices follow the officer's tablets and unit as they are now, not as they were at registration:
a revoked tablet's push registration goes quiet, and a move to another unit moves the unit's pushes with it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.notifications.models import Delivery, Device
from backend.officers import service
from backend.officers.models import Unit
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM, registration_token
from tests.helpers import eventually
from tests.notifications.conftest import BOTH_DBS, act, drain, new_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)]


async def _register(client: httpx.AsyncClient, access: str, token: str) -> httpx.Response:
    return await client.post("/api/v1/devices", headers=bearer(access), json={"platform": "android", "token": token})


def _pushes_of(fcm: FakeFCM, token: str) -> list[str]:
    """The report events whose pushes reached `token`."""
    return [push.message["data"]["event_id"] for push in fcm.pushes_to(token)]


async def _assign_to(ctx: Context, fcm: FakeFCM, unit: Unit, *, reaching: str) -> str:
    """Assign a fresh report to `unit`; returns the event id once its pushes are all settled. `reaching` is a token
    that must get one: the app's own outbox relay (app_client) may take the job from under `drain`, so "nothing
    was pushed to X" is only known once the event's deliveries exist (that push arrived) and none is in flight."""
    report = await new_report(ctx, unit_id=unit.id, category="violence", district="astana")
    (event,) = await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)

    async def settled() -> bool:
        if str(event.id) not in _pushes_of(fcm, reaching):
            return False
        async with ctx.sessions() as session:
            statuses = set(await session.scalars(select(col(Delivery.status)).where(
                col(Delivery.event_key) == f"report-event:{event.id}")))
        return not statuses & {"pending", "sending"}

    await eventually(settled)
    return str(event.id)


async def test_revoking_a_tablet_silences_the_push_device_registered_from_it(ctx: Context, fcm: FakeFCM,
                                                                            app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    lost_tablet, kept_tablet = f"tab-lost-{uuid.uuid4().hex[:8]}", f"tab-kept-{uuid.uuid4().hex[:8]}"
    lost_access = await login(app_client, officer.badge_number, password, lost_tablet)
    kept_access = await login(app_client, officer.badge_number, password, kept_tablet)
    lost_token, kept_token = registration_token("lost"), registration_token("kept")
    lost = await _register(app_client, lost_access, lost_token)
    kept = await _register(app_client, kept_access, kept_token)
    assert (lost.status_code, kept.status_code) == (200, 200), (lost.text, kept.text)

    admin, admin_password = await make_officer(ctx, role="admin")
    admin_access = await login(app_client, admin.badge_number, admin_password)
    revoked = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": lost_tablet},
                                    headers=bearer(admin_access))
    assert revoked.status_code == 200, revoked.text

    async with ctx.sessions() as session:
        lost_device = await session.get(Device, uuid.UUID(lost.json()["id"]))
        kept_device = await session.get(Device, uuid.UUID(kept.json()["id"]))
    assert lost_device is not None and (lost_device.active, lost_device.pruned_reason) == (False, "device_revoked")
    assert kept_device is not None and (kept_device.active, kept_device.pruned_reason) == (True, None)
    # the revoked tablet cannot bring its registration back: auth refuses its session before registration runs
    again = await _register(app_client, lost_access, lost_token)
    assert (again.status_code, again.json()["code"]) == (401, "officer.token_invalid")

    assignment = await _assign_to(ctx, fcm, unit, reaching=kept_token)
    assert _pushes_of(fcm, kept_token) == [assignment]
    assert _pushes_of(fcm, lost_token) == []


async def test_unit_pushes_follow_the_officer_to_their_new_unit(ctx: Context, fcm: FakeFCM,
                                                               app_client: httpx.AsyncClient) -> None:
    old_unit, new_unit = await make_unit(ctx), await make_unit(ctx)
    mover, password = await make_officer(ctx, unit=old_unit)
    stayer, stayer_password = await make_officer(ctx, unit=old_unit)
    mover_token, stayer_token = registration_token("mover"), registration_token("stayer")
    for officer, secret, token in ((mover, password, mover_token), (stayer, stayer_password, stayer_token)):
        response = await _register(app_client, await login(app_client, officer.badge_number, secret), token)
        assert response.status_code == 200, response.text

    async with ctx.sessions() as session:
        await service.set_unit(session, officer=mover, unit=new_unit)  # the device was registered in old_unit
        await session.commit()

    to_new = await _assign_to(ctx, fcm, new_unit, reaching=mover_token)
    to_old = await _assign_to(ctx, fcm, old_unit, reaching=stayer_token)  # sent, to the crew the unit has now
    assert _pushes_of(fcm, mover_token) == [to_new]
    assert _pushes_of(fcm, stayer_token) == [to_old]


async def test_revoking_a_tablet_also_silences_registrations_whose_tablet_is_unknown(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Registrations made before the tablet was recorded may be the stolen tablet's: they go quiet too (the
    officer's working devices register again when their app starts), while another officer's stay."""
    officer, password = await make_officer(ctx)
    colleague, colleague_password = await make_officer(ctx)
    tablet = f"tab-{uuid.uuid4().hex[:8]}"
    old = await _register(app_client, await login(app_client, officer.badge_number, password, tablet),
                          registration_token("old"))
    theirs = await _register(app_client, await login(app_client, colleague.badge_number, colleague_password),
                             registration_token("theirs"))
    ids = [uuid.UUID(r.json()["id"]) for r in (old, theirs)]
    async with ctx.sessions() as session:  # as the rows migration o1 found: no tablet recorded
        for device in await session.scalars(select(Device).where(col(Device.id).in_(ids))):
            device.officer_device_pk = None
        await session.commit()

    admin, admin_password = await make_officer(ctx, role="admin")
    revoked = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": tablet},
                                    headers=bearer(await login(app_client, admin.badge_number, admin_password)))
    assert revoked.status_code == 200, revoked.text
    async with ctx.sessions() as session:
        active = {d.id: d.active for d in await session.scalars(select(Device).where(col(Device.id).in_(ids)))}
    assert active == {ids[0]: False, ids[1]: True}
