"""Least privilege across regions: an incident can span a region's border ("me too" reports placed on both sides),
and a regional duty officer's step on its primary reached a member of the other region, which that officer cannot
even open: closing the Astana primary closed the Karaganda report, assigning it sent the Astana crew there. A step
on the primary now reaches only the members its officer may read; a national officer's reaches every member."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from backend.reports.service import SYSTEM, regroup
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
KARAGANDA = "bukhar-zhyrauskiy"  # a district of Karaganda region


async def _incident(ctx: Context) -> tuple[Report, Report]:
    """An Astana primary with a Karaganda member."""
    primary = await triage_report(ctx, department="patrol_police", district="astana")
    member = await triage_report(ctx, department="patrol_police", district=KARAGANDA)
    async with ctx.sessions() as session:
        rows = [await session.get(Report, r.id) for r in (primary, member)]
        assert await regroup(session, [r for r in rows if r is not None], SYSTEM, prefer=rows[0]) == primary.id
        await session.commit()
    return primary, member


async def _now(ctx: Context, report: Report) -> Report:
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
    assert row is not None
    return row


async def _console(ctx: Context, http: httpx.AsyncClient, district: str) -> dict[str, str]:
    officer, password = await make_officer(ctx, role="dispatcher", district=district)
    return bearer(await login(http, officer.badge_number, password))


async def test_closing_a_primary_leaves_another_regions_member_open(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    primary, member = await _incident(ctx)
    astana = await _console(ctx, app_client, "astana")
    assert (await app_client.get(f"/api/v1/dispatch/reports/{member.id}", headers=astana)).status_code == 404
    closed = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/close", headers=astana,
                                   json={"how": "unfounded", "reason": "не подтвердилось"})
    assert closed.status_code == 200, closed.text
    assert (await _now(ctx, primary)).status == "closed"
    assert (await _now(ctx, member)).status == "triage"  # Karaganda's to decide


async def test_assigning_a_primary_sends_no_crew_to_another_regions_member(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    primary, member = await _incident(ctx)
    unit = await make_unit(ctx, district="astana")
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/assign",
                                     headers=await _console(ctx, app_client, "astana"), json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text
    assert (await _now(ctx, primary)).unit_id == unit.id
    assert (await _now(ctx, member)).unit_id is None


async def test_a_national_officers_step_reaches_every_member(ctx: Context, app_client: httpx.AsyncClient) -> None:
    primary, member = await _incident(ctx)
    unit = await make_unit(ctx, district="astana")
    national = await _console(ctx, app_client, "")
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/assign", headers=national,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text
    assert (await _now(ctx, member)).unit_id == unit.id
    closed = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/close", headers=national,
                                   json={"how": "unfounded", "reason": "не подтвердилось"})
    assert closed.status_code == 200, closed.text
    assert (await _now(ctx, member)).status == "closed"
