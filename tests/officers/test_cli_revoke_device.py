"""`zan officers revoke-device --device-id ID --reason TEXT`: the operator's console revokes one lost or stolen
tablet as the admin API does (service.revoke_device): its sessions end at once, it never logs in again, the officer's
other tablets stay logged in, and the audit line `device.revoke` (by "cli") keeps the reason. A prosecutor's tablet
too: their accounts are the console's, which the police admin API may not touch.

Before: the console had no such command; a prosecutor who lost a tablet could only change their password (which
ends every session, on every tablet)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.errors import ZanError
from backend.officers import service
from backend.officers.models import Device
from tests.officers.factories import bearer, login_tokens, make_officer
from tests.officers.test_officer_admin_sessions import _refused, zan

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/officer/auth/login"


@pytest.mark.parametrize("role", ["prosecutor", "patrol_officer"])
async def test_the_console_revokes_one_tablet(ctx: Context, app_client: httpx.AsyncClient, role: str) -> None:
    officer, password = await make_officer(ctx, role=role)
    lost = await login_tokens(app_client, officer.badge_number, password, "tab-lost")
    kept = await login_tokens(app_client, officer.badge_number, password, "tab-kept")

    result = await zan(ctx, "revoke-device", "--device-id", "tab-lost", "--reason", "планшет утерян")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output.strip().splitlines()[-1])
    assert (shown["device_id"], shown["badge_number"]) == ("tab-lost", officer.badge_number)
    assert shown["revoked_at"]

    await _refused(app_client, lost)
    again = await app_client.post(LOGIN, json={"badge_number": officer.badge_number, "password": password,
                                               "device_id": "tab-lost"})
    assert (again.status_code, again.json()["code"]) == (403, "officer.device_not_allowed")
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(kept["access_token"]))).status_code == 200
    async with ctx.sessions() as session:
        (line,) = await session.scalars(select(AuditLog).where(col(AuditLog.action) == "device.revoke"))
    assert (line.actor_type, line.actor_id) == ("admin", "cli")
    assert line.data == {"device_id": "tab-lost", "reason": "планшет утерян"}


async def test_the_console_refuses_what_it_cannot_revoke(ctx: Context, app_client: httpx.AsyncClient) -> None:
    officer, password = await make_officer(ctx)
    await login_tokens(app_client, officer.badge_number, password, "tab-once")

    unknown = await zan(ctx, "revoke-device", "--device-id", "tab-never", "--reason", "утерян")
    assert unknown.exit_code == 1 and "no tablet 'tab-never'" in unknown.output, unknown.output
    blank = await zan(ctx, "revoke-device", "--device-id", "tab-once", "--reason", "  ")
    assert blank.exit_code != 0 and "--reason" in blank.output, blank.output
    missing = await zan(ctx, "revoke-device", "--device-id", "tab-once")
    assert missing.exit_code != 0 and "--reason" in missing.output, missing.output
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == "device.revoke"))) == []

    assert (await zan(ctx, "revoke-device", "--device-id", "tab-once", "--reason", "утерян")).exit_code == 0
    twice = await zan(ctx, "revoke-device", "--device-id", "tab-once", "--reason", "утерян")
    assert twice.exit_code == 1 and "revoked already" in twice.output, twice.output


async def test_the_audit_label_is_no_permission(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """What lets the console revoke a prosecutor's tablet is the `console` flag its command passes, never the name
    its audit lines give it: a caller naming itself as the console does (service.CONSOLE) without the flag is refused
    as a police admin is (403 officer.oversight_account), and the tablet stays as it was.

    Before: the permission was `by_officer != "cli"`, so any caller passing that label revoked it."""
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    tokens = await login_tokens(app_client, prosecutor.badge_number, password, "tab-oversight")

    async with ctx.sessions() as session:
        with pytest.raises(ZanError) as refused:
            await service.revoke_device(session, device_id="tab-oversight", by_officer=service.CONSOLE)
    assert (refused.value.status, refused.value.code) == (403, "officer.oversight_account")
    async with ctx.sessions() as session:
        device = await session.scalar(select(Device).where(col(Device.device_id) == "tab-oversight"))
        assert device is not None and device.revoked_at is None
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))).status_code == 200
