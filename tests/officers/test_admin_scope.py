"""An admin revokes tablets and accounts of the officers they answer for: their region's (every officer, for a
national admin). A regional admin naming another region's officer, or a national one, gets the answer an unknown id
gets (404), and nothing is revoked.

Before: an admin of Astana revoked a Karaganda patrol officer, their tablet, or the national centre's own admin
(200, every session of theirs killed), although the same admin cannot even read that region's reports."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio

KARAGANDA = "bukhar-zhyrauskiy"  # a district of Karaganda region

# (the admin's district, the target's district, the target's unit's district or None, revocable)
CASES = [
    ("astana", KARAGANDA, None, False),  # another region
    ("astana", "", KARAGANDA, False),  # another region, through the target's unit
    ("astana", "", None, False),  # a national officer
    ("astana", "no-such-district", None, False),  # a district not ours: fails closed
    ("astana", "astana", None, True),
    ("astana", "", "astana", True),  # no district of their own: their unit's decides
    ("", KARAGANDA, None, True),  # a national admin answers for everyone
    ("karkaralinskiy", KARAGANDA, None, True),  # another district of the same region
]


async def _target(ctx: Context, http: httpx.AsyncClient, district: str,
                  unit_district: str | None) -> tuple[uuid.UUID, str, dict[str, str]]:
    unit = await make_unit(ctx, district=unit_district) if unit_district is not None else None
    officer, password = await make_officer(ctx, role="patrol_officer", district=district, unit=unit)
    device_id = f"tab-{uuid.uuid4().hex[:10]}"
    return officer.id, device_id, bearer(await login(http, officer.badge_number, password, device_id))


async def _admin(ctx: Context, http: httpx.AsyncClient, district: str) -> dict[str, str]:
    admin, password = await make_officer(ctx, role="admin", district=district)
    return bearer(await login(http, admin.badge_number, password))


@pytest.mark.parametrize("what", ["officer", "tablet"])
@pytest.mark.parametrize(("admin_district", "district", "unit_district", "revocable"), CASES)
async def test_an_admin_revokes_only_the_officers_and_tablets_they_answer_for(
        ctx: Context, app_client: httpx.AsyncClient, what: str, admin_district: str, district: str,
        unit_district: str | None, revocable: bool) -> None:
    admin_h = await _admin(ctx, app_client, admin_district)
    target_id, device_id, target_h = await _target(ctx, app_client, district, unit_district)

    async def revoke(officer_id: uuid.UUID, device: str) -> httpx.Response:
        if what == "officer":
            return await app_client.post(f"/api/v1/officer/admin/officers/{officer_id}/revoke", headers=admin_h,
                                         json={"reason": "left the police"})
        return await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": device},
                                     headers=admin_h)

    revoked = await revoke(target_id, device_id)

    unknown = await revoke(uuid.uuid4(), "tab-nobody")
    assert unknown.status_code == 404
    if revocable:
        assert revoked.status_code == 200, revoked.text
        assert (await app_client.get("/api/v1/officer/me", headers=target_h)).status_code == 401
    else:
        # the answer an unknown id gets, word for word but the path: nothing tells that the officer exists
        assert revoked.status_code == 404, revoked.text
        assert revoked.json()["code"] == unknown.json()["code"]
        assert (await app_client.get("/api/v1/officer/me", headers=target_h)).status_code == 200
