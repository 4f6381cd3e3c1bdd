"""The supervisors' list is of reports that need a supervisor now. An escalation whose cause was settled since — the
urgent report was assigned, the crew accepted, the deadline was extended — is no longer listed (the record keeps it:
its audit line, its push); what is still due is, page by page. In a busy shift the settled ones buried the due."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


async def _listed(http: httpx.AsyncClient, headers: dict[str, str], limit: int = 50) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    cursor = None
    for _ in range(20):
        url = f"/api/v1/dispatch/escalations?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = await http.get(url, headers=headers)
        assert page.status_code == 200, page.text
        shown += [(item["kind"], item["report"]["number"]) for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return shown
    raise AssertionError("the list never ended")


async def _urgent_assigned(ctx: Context, app_client: httpx.AsyncClient, code: str, *,
                           escalated_first: bool = False) -> tuple[Report, dict[str, str]]:
    """An urgent report assigned to a new unit by a supervisor (escalated while unassigned first, if asked), and the
    supervisor's console headers."""
    unit = await make_unit(ctx, code=code)
    report = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police")
    if escalated_first:
        assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 1
    supervisor, password = await make_officer(ctx, role="supervisor")
    console = bearer(await login(app_client, supervisor.badge_number, password))
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=console,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text
    return report, console


async def test_settled_escalations_leave_the_list(ctx: Context, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx, code="S-1")
    later = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police")  # stays unassigned
    taken = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police")
    extended = await triage_report(ctx, department="patrol_police")
    due = await triage_report(ctx, department="patrol_police")
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id.in_([extended.id, due.id]))  # type: ignore[union-attr,attr-defined]
                              .values(deadline_at=utcnow() + timedelta(hours=20)))  # within 2 working days
        await session.commit()
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 4
    supervisor, password = await make_officer(ctx, role="supervisor")
    console = bearer(await login(app_client, supervisor.badge_number, password))
    assert sorted(await _listed(app_client, console)) == sorted([
        ("unassigned_urgent", later.number), ("unassigned_urgent", taken.number), ("deadline_near", extended.number),
        ("deadline_near", due.number)])

    assigned = await app_client.post(f"/api/v1/dispatch/reports/{taken.id}/assign", headers=console,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text
    async with ctx.sessions() as session:  # the crew accepted it (the tablet's en route)
        await session.execute(update(Assignment).where(Assignment.report_id == taken.id)  # type: ignore[arg-type]
                              .values(accepted_at=utcnow()))
        await session.commit()
    term = (utcnow() + timedelta(days=40)).isoformat()  # past the original 15 working days
    longer = await app_client.post(f"/api/v1/dispatch/reports/{extended.id}/extend", headers=console,
                                   json={"deadline_at": term, "reason": "Запрошены сведения из ЦОН"})
    assert longer.status_code == 200, longer.text

    expected = [("unassigned_urgent", later.number), ("deadline_near", due.number)]
    assert sorted(await _listed(app_client, console)) == sorted(expected)
    assert sorted(await _listed(app_client, console, limit=1)) == sorted(expected)  # no page empty, none twice


async def test_an_assignment_not_accepted_is_listed_until_the_crew_accepts(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    report, console = await _urgent_assigned(ctx, app_client, "S-2")
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 1
    assert await _listed(app_client, console) == [("unaccepted_urgent", report.number)]
    async with ctx.sessions() as session:
        held = await session.scalar(select(Assignment).where(Assignment.report_id == report.id))  # type: ignore[arg-type]
        assert held is not None
        held.accepted_at = utcnow()
        await session.commit()
    assert await _listed(app_client, console) == []


async def test_an_urgent_report_back_in_the_queue_is_listed_once(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Assigned, then left without a unit again: the new stretch in the queue escalates again, and only its
    escalation is listed (the first one's stretch ended with the assignment)."""
    report, console = await _urgent_assigned(ctx, app_client, "S-3", escalated_first=True)
    async with ctx.sessions() as session:  # the unit let it go (dispatch.service.release_if_not_designated)
        await session.execute(update(Assignment).where(Assignment.report_id == report.id)  # type: ignore[arg-type]
                              .values(released_at=utcnow()))
        await session.execute(update(Report).where(Report.id == report.id).values(unit_id=None))  # type: ignore[arg-type]
        await session.commit()
    assert await find_escalations(ctx, utcnow() + timedelta(hours=2)) == 1
    assert await _listed(app_client, console) == [("unassigned_urgent", report.number)]
