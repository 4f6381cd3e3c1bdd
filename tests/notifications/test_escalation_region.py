"""An escalation is pushed to the supervisors who may read its report (backend.dispatch.visibility): those of the
report's region — whatever their district in it, or their unit's when they have none — and national ones (no
district, no unit); a supervisor of another region, who would get a 404 on the report, gets no push. The push's
audience and the console's answer are checked against each other for every supervisor."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.lib.clock import utcnow
from backend.notifications.models import Delivery
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.fakes.fcm import FakeFCM, registration_token
from tests.helpers import eventually
from tests.notifications.conftest import BOTH_DBS
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
KARAGANDA = "bukhar-zhyrauskiy"  # the report's district, in Karaganda region
KARKARALINSK = "karkaralinskiy"  # another district of Karaganda region

# name: (role, own district, unit's district or None for no unit)
STAFF: dict[str, tuple[str, str, str | None]] = {
    "same_district": ("supervisor", KARAGANDA, None),
    "same_region": ("supervisor", KARKARALINSK, None),
    "same_region_by_unit": ("supervisor", "", KARKARALINSK),  # no district of their own: their unit's region
    "other_region": ("supervisor", "astana", None),
    "other_region_by_unit": ("supervisor", "", "astana"),
    "national": ("supervisor", "", None),
    "dispatcher": ("dispatcher", KARAGANDA, None),  # dispatchers hear of escalations in the console, not by push
}


async def _staff_with_phones(ctx: Context, http: httpx.AsyncClient) -> dict[str, tuple[dict[str, str], str, str]]:
    """Each of STAFF logged in, with a phone registered: name → (auth headers, push device id, FCM token)."""
    staff = {}
    for name, (role, district, unit_district) in STAFF.items():
        unit = await make_unit(ctx, district=unit_district) if unit_district is not None else None
        officer, password = await make_officer(ctx, role=role, district=district, unit=unit)
        headers = bearer(await login(http, officer.badge_number, password))
        token = registration_token(f"esc-{name}")
        phone = await http.post("/api/v1/devices", headers=headers,
                                json={"platform": "android", "token": token, "language": "ru"})
        assert phone.status_code == 200, phone.text
        staff[name] = (headers, phone.json()["id"], token)
    return staff


async def _escalate(ctx: Context, report: Report) -> set[str]:
    """Run the SLA check on `report` (due in 20 hours) until its escalation is notified; the device ids its pushes
    were written for (written in the transaction that marks it notified, so nothing is still on its way)."""
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == report.id)
                              .values(deadline_at=utcnow() + timedelta(hours=20)))
        await session.commit()
    assert await find_escalations(ctx) == 1

    async def notified() -> bool:
        async with ctx.sessions() as session:
            return bool(await session.scalar(select(col(Escalation.id)).where(
                col(Escalation.report_id) == report.id, col(Escalation.notified_at).is_not(None))))

    await eventually(notified)
    async with ctx.sessions() as session:
        (esc,) = (await session.scalars(select(Escalation).where(col(Escalation.report_id) == report.id))).all()
        devices = await session.scalars(select(col(Delivery.device_id))
                                        .where(col(Delivery.event_key) == f"escalation:{esc.id}"))
        return {str(d) for d in devices}


async def _readers(http: httpx.AsyncClient, staff: dict[str, tuple[dict[str, str], str, str]],
                   report: Report) -> set[str]:
    codes = {name: (await http.get(f"/api/v1/dispatch/reports/{report.id}", headers=headers)).status_code
             for name, (headers, _, _) in staff.items()}
    assert set(codes.values()) <= {200, 404}, codes
    return {name for name, code in codes.items() if code == 200}


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_an_escalation_reaches_the_supervisors_of_the_reports_region_and_national_ones(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    staff = await _staff_with_phones(ctx, app_client)
    report = await triage_report(ctx, department="patrol_police", district=KARAGANDA)

    pushed = await _escalate(ctx, report)

    by_device = {device: name for name, (_, device, _) in staff.items()}
    assert {by_device[d] for d in pushed} == {"same_district", "same_region", "same_region_by_unit", "national"}
    # the same people the console lets read it (the dispatcher reads it too, but is not pushed)
    assert await _readers(app_client, staff, report) == {by_device[d] for d in pushed} | {"dispatcher"}
    await fcm.wait_for_pushes_async(len(pushed))
    assert {p.target for p in fcm.pushes} == {staff[by_device[d]][2] for d in pushed}


async def test_an_escalation_of_a_report_of_no_district_reaches_every_supervisor(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    """A report placed in no district is shown to every regional officer (backend.dispatch.regions), so every
    supervisor hears of its escalation — before, only national ones did."""
    staff = await _staff_with_phones(ctx, app_client)
    report = await triage_report(ctx, department="patrol_police")
    assert report.district is None

    pushed = await _escalate(ctx, report)

    supervisors = {name for name, (role, _, _) in STAFF.items() if role == "supervisor"}
    assert {name for name, (_, device, _) in staff.items() if device in pushed} == supervisors
    assert await _readers(app_client, staff, report) == supervisors | {"dispatcher"}
