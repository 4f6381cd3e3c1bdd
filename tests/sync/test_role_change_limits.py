"""How far a desk officer's tablet may still hand in field work (backend/sync/duty.py): only their own crew's work
from the field, only for a while after the role change, and what it cannot hand in is kept, not lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.officers.models import Device
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from backend.sync.duty import OFF_DUTY_GRACE
from backend.sync.models import RoleTenure
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import assigned_report, move_officer, uuid7
from tests.sync.test_role_change import _patrol, _set_role, _tablet

pytestmark = pytest.mark.anyio


async def test_a_unit_joined_after_leaving_the_field_is_not_theirs(app_client: httpx.AsyncClient,
                                                                   ctx: Context) -> None:
    """A patrol officer of unit A made a dispatcher, then put in unit B: B's report, given out while they were still
    on patrol but in A, was never theirs; back-dated steps on it are refused and nothing changes."""
    unit_a, unit_b = await make_unit(ctx), await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit_a)
    tab = await _tablet(app_client, officer, password)
    report = await assigned_report(ctx, unit_b)
    before = utcnow().isoformat()
    await _set_role(ctx, officer, "dispatcher")
    await move_officer(ctx, officer, unit_b)
    rid = str(report.id)
    for m in (tab.queue("reports", rid, "update", status="en_route"),
              tab.queue("reports", rid, "update", status="resolved", outcome="warning")):
        m["device_time"] = before
    results = await tab.push()
    assert [(r["status"], r["reason"]) for r in results] == [("rejected", "not_assigned")] * 2, results
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == Status.ASSIGNED


async def test_a_note_of_a_unit_left_then_a_promotion_is_kept(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """Moved from A to B, then made a dispatcher: a note typed afterwards for A's report is refused as a field
    officer's would be (unit_changed keeps it), and its text is kept with the answer and in the report's record."""
    unit_a, unit_b = await make_unit(ctx), await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit_a)
    tab = await _tablet(app_client, officer, password)
    report = await assigned_report(ctx, unit_a)
    await tab.pull_all()
    await move_officer(ctx, officer, unit_b)
    # typed after the move, before the promotion (apart from both by more than the clocks' resolution)
    await asyncio.sleep(0.02)
    typed = utcnow().isoformat()
    await asyncio.sleep(0.02)
    tab.queue("notes", uuid7(), "create", report_id=str(report.id), text="Соседка слышала крики")["device_time"] = typed
    await _set_role(ctx, officer, "dispatcher")
    [result] = await tab.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    async with ctx.sessions() as session:
        kept = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "text_kept")))  # type: ignore[arg-type]
    assert [e.data.get("text") for e in kept] == ["Соседка слышала крики"]


async def test_after_the_grace_the_tablet_drains_but_hands_in_nothing(app_client: httpx.AsyncClient,
                                                                      ctx: Context) -> None:
    """Months later a dispatcher cannot close their old unit's reports with steps dated back to their patrol days:
    past OFF_DUTY_GRACE each mutation is refused `role_changed` (the text kept, the tablet drains) and files are no
    longer taken."""
    unit, officer, tab = await _patrol(app_client, ctx)
    report = await assigned_report(ctx, unit)
    await _set_role(ctx, officer, "dispatcher")
    # the change and everything before it, dated back past the grace (the record as it would stand by then)
    past = utcnow() - OFF_DUTY_GRACE - timedelta(hours=1)
    async with ctx.sessions() as session:
        await session.execute(update(RoleTenure).where(RoleTenure.officer_id == officer.id)  # type: ignore[arg-type]
                              .values(until=past))
        await session.execute(update(Device).where(Device.device_id == tab.device_id)  # type: ignore[arg-type]
                              .values(created_at=past - timedelta(days=1)))
        await session.commit()
    rid = str(report.id)
    tab.queue("reports", rid, "update", status="resolved", outcome="warning",
              findings="Всё в порядке")["device_time"] = (past - timedelta(hours=2)).isoformat()
    [result] = await tab.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "role_changed", True), result
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None and row.status == Status.ASSIGNED
    blob = await app_client.get(f"/api/v1/sync/evidence/{'ab' * 32}", headers=tab.headers)
    assert (blob.status_code, blob.json()["code"]) == (403, "auth.forbidden")


async def test_a_tablet_enrolled_after_the_change_uploads_no_files(app_client: httpx.AsyncClient,
                                                                   ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    await _tablet(app_client, officer, password)  # the field tablet
    await _set_role(ctx, officer, "dispatcher")
    desk = await _tablet(app_client, officer, password)  # first logged in on as a dispatcher
    blob = await app_client.get(f"/api/v1/sync/evidence/{'ab' * 32}", headers=desk.headers)
    assert (blob.status_code, blob.json()["code"]) == (403, "auth.forbidden")

async def test_a_second_field_stint_drains_after_the_second_promotion(app_client: httpx.AsyncClient,
                                                                      ctx: Context) -> None:
    """Patrol, a week at the desk, patrol again on the same tablet, then the desk again: the 72 hours run from the
    end of the stint the work was written in, not from the first."""
    unit, officer, tab = await _patrol(app_client, ctx)
    # a week at the desk five days ago, then back on patrol with the same tablet
    await _set_role(ctx, officer, "dispatcher")
    await _set_role(ctx, officer, "patrol_officer")
    past = utcnow() - timedelta(days=5)
    async with ctx.sessions() as session:
        await session.execute(update(RoleTenure).where(RoleTenure.officer_id == officer.id,  # type: ignore[arg-type]
                                                       RoleTenure.role == "patrol_officer").values(until=past))
        await session.execute(update(RoleTenure).where(RoleTenure.officer_id == officer.id,  # type: ignore[arg-type]
                                                       RoleTenure.role == "dispatcher")
                              .values(until=past + timedelta(days=1)))
        await session.execute(update(Device).where(Device.device_id == tab.device_id)  # type: ignore[arg-type]
                              .values(created_at=past - timedelta(days=1)))
        await session.commit()
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    tab.queue("reports", str(report.id), "update", status="en_route")
    await _set_role(ctx, officer, "dispatcher")  # promoted again before the tablet found the network
    [result] = await tab.push()
    assert (result["status"], result["reason"]) == ("applied", None), result
    blob = await app_client.get(f"/api/v1/sync/evidence/{'ab' * 32}", headers=tab.headers)
    assert blob.status_code != 403, blob.text
