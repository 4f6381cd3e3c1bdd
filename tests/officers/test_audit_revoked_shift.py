"""Deactivating an officer ends their open shift. Before, the shift stayed open: a car whose only officer was
deactivated stayed "available", and dispatch kept assigning it urgent reports nobody would accept; and a crewmate
ending their own shift left the car available, as the deactivated officer still counted as on shift."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.officers.models import Shift, Unit
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


async def _unit_status(ctx: Context, unit_id: uuid.UUID) -> str:
    async with ctx.sessions() as session:
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        return unit.status


async def _open_shifts(ctx: Context, officer_id: uuid.UUID) -> int:
    async with ctx.sessions() as session:
        return len(list(await session.scalars(select(Shift).where(col(Shift.officer_id) == officer_id,
                                                                  col(Shift.ended_at).is_(None)))))


async def _revoke(client: httpx.AsyncClient, admin_token: str, officer_id: uuid.UUID) -> None:
    revoked = await client.post(f"/api/v1/officer/admin/officers/{officer_id}/revoke", headers=bearer(admin_token),
                                json={"reason": "left the police"})
    assert revoked.status_code == 200, revoked.text


async def test_the_car_of_a_deactivated_officer_goes_off_duty(app_client: httpx.AsyncClient, ctx: Context) -> None:
    admin, apw = await make_officer(ctx, role="admin")
    admin_token = await login(app_client, admin.badge_number, apw)
    unit = await make_unit(ctx, status="off_duty")
    officer, password = await make_officer(ctx, unit=unit)
    token = await login(app_client, officer.badge_number, password)
    assert (await app_client.post("/api/v1/officer/shift/start", headers=bearer(token))).status_code == 200
    assert await _unit_status(ctx, unit.id) == "available"

    await _revoke(app_client, admin_token, officer.id)
    assert await _open_shifts(ctx, officer.id) == 0
    assert await _unit_status(ctx, unit.id) == "off_duty"  # no longer offered to dispatch
    async with ctx.sessions() as session:
        [ended] = await session.scalars(select(AuditLog).where(col(AuditLog.action) == "shift.end"))
    assert (ended.actor_type, ended.actor_id, ended.data) == ("admin", str(admin.id), {"reason": "officer_revoked"})


async def test_a_crewmate_on_shift_keeps_the_car_until_they_end_theirs(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    admin, apw = await make_officer(ctx, role="admin")
    admin_token = await login(app_client, admin.badge_number, apw)
    unit = await make_unit(ctx, status="off_duty")
    leaving, lpw = await make_officer(ctx, unit=unit)
    staying, spw = await make_officer(ctx, unit=unit)
    staying_token = await login(app_client, staying.badge_number, spw)
    for token in (await login(app_client, leaving.badge_number, lpw), staying_token):
        assert (await app_client.post("/api/v1/officer/shift/start", headers=bearer(token))).status_code == 200

    await _revoke(app_client, admin_token, leaving.id)
    assert await _unit_status(ctx, unit.id) == "available"  # the crewmate still works it
    ended = await app_client.post("/api/v1/officer/shift/end", headers=bearer(staying_token))
    assert ended.status_code == 200
    assert await _unit_status(ctx, unit.id) == "off_duty"


async def test_deactivating_an_officer_off_shift_touches_no_shift(app_client: httpx.AsyncClient,
                                                                  ctx: Context) -> None:
    admin, apw = await make_officer(ctx, role="admin")
    unit = await make_unit(ctx, status="busy")
    officer, _ = await make_officer(ctx, unit=unit)
    await _revoke(app_client, await login(app_client, admin.badge_number, apw), officer.id)
    assert await _unit_status(ctx, unit.id) == "busy"
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == "shift.end"))) == []
