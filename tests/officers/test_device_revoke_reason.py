"""`POST /api/v1/officer/admin/devices/revoke` takes an optional `reason`, written in the audit line `device.revoke`
as `zan officers revoke-device --reason` writes it (surrounding blanks dropped, a blank one is none, at most 500
characters: 422 pointing at /reason, nothing revoked); and the admin console's endpoints that may answer 409
officer.last_admin declare it in the OpenAPI document (in their 409's description: every operation declares a
generic 409).

Before: a reason was refused (422, an unknown field: the body took the device id alone), so an admin's revocation
could not say why while the console's could; the 409 was answered but not declared."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from tests.officers.factories import make_officer
from tests.officers.test_officer_admin_api import _admin

pytestmark = pytest.mark.anyio

REVOKE = "/api/v1/officer/admin/devices/revoke"
LOGIN = "/api/v1/officer/auth/login"


async def _revocations(ctx: Context) -> dict[str, dict[str, Any]]:
    async with ctx.sessions() as session:
        return {line.data["device_id"]: dict(line.data) for line in await session.scalars(
            select(AuditLog).where(col(AuditLog.action) == "device.revoke"))}


async def test_an_admins_revocation_says_why(ctx: Context, app_client: httpx.AsyncClient) -> None:
    _, headers = await _admin(ctx, app_client)
    officer, password = await make_officer(ctx, max_devices=5)
    for tablet in ("tab-a", "tab-b", "tab-c", "tab-d"):
        logged_in = await app_client.post(LOGIN, json={"badge_number": officer.badge_number, "password": password,
                                                       "device_id": tablet})
        assert logged_in.status_code == 200, logged_in.text

    long = await app_client.post(REVOKE, json={"device_id": "tab-d", "reason": "я" * 501}, headers=headers)
    assert (long.status_code, long.json()["errors"][0]["pointer"]) == (422, "/reason"), long.text
    for tablet, reason in (("tab-a", "  планшет утерян  "), ("tab-b", "   "), ("tab-c", None)):
        body = {"device_id": tablet, **({"reason": reason} if reason is not None else {})}
        done = await app_client.post(REVOKE, json=body, headers=headers)
        assert done.status_code == 200, done.text

    assert await _revocations(ctx) == {"tab-a": {"device_id": "tab-a", "reason": "планшет утерян"},
                                       "tab-b": {"device_id": "tab-b"}, "tab-c": {"device_id": "tab-c"}}


async def test_the_last_admin_conflict_is_declared(app_client: httpx.AsyncClient) -> None:
    paths = (await app_client.get("/schema/openapi.json")).json()["paths"]
    base = "/api/v1/officer/admin/officers/{officer_id}"
    for action in ("role", "unit", "revoke"):
        declared = paths[f"{base}/{action}"]["post"]["responses"]
        assert "officer.last_admin" in declared["409"]["description"], (action, declared["409"])
        assert "officer.changed" in declared["412"]["description"], (action, declared["412"])
    # the generic conflict elsewhere: a reset never takes an admin away
    assert "officer.last_admin" not in paths[f"{base}/password"]["post"]["responses"]["409"]["description"]
