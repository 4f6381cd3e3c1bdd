"""A deactivated officer's push devices keep the reason they were silenced for (`officer_revoked`): revoking one of
their tablets afterwards, or setting them a new password, silences nothing more and rewrites no reason.

Before: both rewrote every push device of the officer, so the one silenced at the deactivation read
`device_revoked` (or `password_reset`), as if it had been live until then."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.notifications.models import Device
from tests.fakes.fcm import registration_token
from tests.officers.factories import bearer, login, make_officer
from tests.officers.test_officer_admin_api import ADMIN, REASON, _admin

pytestmark = pytest.mark.anyio


async def _pruned(ctx: Context, device_id: uuid.UUID) -> tuple[bool, str | None]:
    async with ctx.sessions() as session:
        device = await session.get(Device, device_id)
        assert device is not None
        return device.active, device.pruned_reason


@pytest.mark.parametrize("then", ["revoke_tablet", "reset_password"])
async def test_a_deactivated_officers_push_device_keeps_its_first_reason(ctx: Context, app_client: httpx.AsyncClient,
                                                                         then: str) -> None:
    _, admin = await _admin(ctx, app_client)
    officer, password = await make_officer(ctx)
    access = await login(app_client, officer.badge_number, password, "tab-of-one-who-left")
    registered = await app_client.post("/api/v1/devices", headers=bearer(access),
                                       json={"platform": "android", "token": registration_token("left")})
    assert registered.status_code == 200, registered.text
    push_device = uuid.UUID(registered.json()["id"])

    deactivated = await app_client.post(f"{ADMIN}/{officer.id}/revoke", json=REASON, headers=admin)
    assert deactivated.status_code == 200, deactivated.text
    assert await _pruned(ctx, push_device) == (False, "officer_revoked")

    if then == "revoke_tablet":
        done = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": "tab-of-one-who-left"},
                                     headers=admin)
    else:
        done = await app_client.post(f"{ADMIN}/{officer.id}/password", json={"password": "Новый-пароль-2026"},
                                     headers=admin)
    assert done.status_code == 200, done.text
    assert await _pruned(ctx, push_device) == (False, "officer_revoked")
