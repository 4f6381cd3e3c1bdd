"""What the officer administration commands must not leave working: the phones registered under a reset password,
and a desk officer's shift putting their old crew's car on duty (or in the duty bot's offers)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.notifications.models import Device as PushDevice
from backend.officers.models import Unit
from tests.officers.factories import bearer, login_tokens
from tests.officers.test_officer_admin_sessions import NEW_PASSWORD, _logged_in, make_unit, shown, zan

pytestmark = pytest.mark.anyio


async def test_a_password_reset_silences_the_push_devices_registered_with_the_old_one(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Whoever logged in with a leaked password registered their phone for the unit's pushes (report numbers and
    addresses): the reset that 'logs them out everywhere' must stop those too, as deactivation does."""
    unit = await make_unit(ctx)
    officer, _, tokens = await _logged_in(ctx, app_client, unit=unit)
    reg = await app_client.post("/api/v1/devices", headers=bearer(tokens["access_token"]),
                                json={"platform": "android", "token": "attacker-phone-fcm-token-0123456789"})
    assert reg.status_code == 200, reg.text
    shown(await zan(ctx, "reset-password", "--badge", officer.badge_number,
                    input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"))
    async with ctx.sessions() as session:
        active = list(await session.scalars(select(col(PushDevice.active)).where(
            col(PushDevice.officer_id) == officer.id)))
    assert active == [False], active


async def test_a_patrol_officer_made_dispatcher_cannot_put_the_unit_back_on_duty(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """set-role ends the shift 'which would keep the old unit on duty for someone who no longer works in it', but
    leaves them in the unit: the dispatcher logs in again and starts a shift, and the unit is available to dispatch."""
    unit = await make_unit(ctx, status="off_duty")
    officer, password, _ = await _logged_in(ctx, app_client, unit=unit)
    shown(await zan(ctx, "set-role", "--badge", officer.badge_number, "--role", "dispatcher"))
    tokens = await login_tokens(app_client, officer.badge_number, password, "tab-desk-0001")
    started = await app_client.post("/api/v1/officer/shift/start", headers=bearer(tokens["access_token"]))
    async with ctx.sessions() as session:
        row = await session.get(Unit, unit.id)
    assert row is not None
    assert (started.status_code, row.status) != (200, "available"), (started.status_code, row.status)


async def test_a_desk_officers_shift_does_not_keep_the_car_on_duty_when_its_crew_ends_theirs(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The other half of the rule above: a dispatcher still listed in the crew they were promoted from may be on
    shift (their desk shift), and that shift puts no car on duty; nor may it keep one there. The car goes off duty
    when the last field officer of its crew ends their shift.

    Before: the shift end counted every open shift of the unit, the dispatcher's included, so the car stayed
    available with nobody in it, and dispatch went on sending it urgent reports."""
    unit = await make_unit(ctx, status="off_duty")
    _, _, patrol = await _logged_in(ctx, app_client, unit=unit)
    desk, password, _ = await _logged_in(ctx, app_client, unit=unit)
    shown(await zan(ctx, "set-role", "--badge", desk.badge_number, "--role", "dispatcher"))
    desk_tokens = await login_tokens(app_client, desk.badge_number, password, "tab-desk-0002")
    for tokens in (desk_tokens, patrol):
        started = await app_client.post("/api/v1/officer/shift/start", headers=bearer(tokens["access_token"]))
        assert started.status_code == 200, started.text
    async with ctx.sessions() as session:
        row = await session.get(Unit, unit.id)
        assert row is not None and row.status == "available"  # the patrol officer's shift did that

    ended = await app_client.post("/api/v1/officer/shift/end", headers=bearer(patrol["access_token"]))
    assert ended.status_code == 200, ended.text
    async with ctx.sessions() as session:
        row = await session.get(Unit, unit.id)
    assert row is not None
    assert row.status == "off_duty", row.status
