"""Two duty officers acting on the same report, or one whose click is sent twice.

Every officer's queue shows the same report on top: both take it. Assigning it again to the unit that already works
it must change nothing (before, it went back to "assigned", the crew's acceptance was dropped, so an urgent report
escalated as not accepted, and the citizen was told a second time). A console that says which unit it saw holding
the report (`from_unit_id`, null: none) is refused with 409 when another officer has moved it meanwhile, instead of
silently taking it from that unit."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Action, Status
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def _dispatcher(ctx: Context, app_client: httpx.AsyncClient) -> dict[str, str]:
    officer, password = await make_officer(ctx, role="dispatcher")
    return bearer(await login(app_client, officer.badge_number, password))


async def _assign(app_client: httpx.AsyncClient, headers: dict[str, str], report_id: uuid.UUID,
                  **body: object) -> httpx.Response:
    return await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", json=body,
                                 headers={**headers, "Accept-Language": "kk"})


async def test_assigning_again_to_the_unit_that_works_it_changes_nothing(ctx: Context,
                                                                         app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx, code="P-11")
    report = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police")
    first, second = await _dispatcher(ctx, app_client), await _dispatcher(ctx, app_client)
    assert (await _assign(app_client, first, report.id, unit_id=str(unit.id))).status_code == 200
    async with ctx.sessions() as session:  # the crew accepts on its tablet and sets off
        row = await reports.lock(session, report.id)
        assert row is not None
        await reports.change_status(session, row, Action.EN_ROUTE, DISPATCHER)
        custody = await session.scalar(select(Assignment).where(col(Assignment.report_id) == report.id))
        assert custody is not None
        custody.accepted_at = utcnow()
        await session.commit()

    again = await _assign(app_client, second, report.id, unit_id="auto")  # the nearest: the same unit
    assert again.status_code == 200, again.text
    assert again.json()["unit_id"] == str(unit.id) and again.json()["report"]["status"] == "en_route"
    async with ctx.sessions() as session:
        stored = await session.get(Report, report.id)
        assert stored is not None and stored.status == Status.EN_ROUTE
        rows = list(await session.scalars(select(Assignment).where(col(Assignment.report_id) == report.id)))
        assert len(rows) == 1 and rows[0].accepted_at is not None and rows[0].released_at is None
        assigns = await session.scalar(select(func.count()).select_from(ReportEvent).where(
            col(ReportEvent.report_id) == report.id, col(ReportEvent.action) == "assign"))
        assert assigns == 1


async def test_a_stale_reassignment_is_refused(ctx: Context, app_client: httpx.AsyncClient) -> None:
    near, other = await make_unit(ctx, code="P-21"), await make_unit(ctx, code="P-22")
    report = await triage_report(ctx, department="patrol_police")
    first, second = await _dispatcher(ctx, app_client), await _dispatcher(ctx, app_client)
    # both saw it waiting, with no unit; the first one's assignment lands
    taken = await _assign(app_client, first, report.id, unit_id=str(near.id), from_unit_id=None)
    assert taken.status_code == 200, taken.text
    late = await _assign(app_client, second, report.id, unit_id=str(other.id), from_unit_id=None)
    assert late.status_code == 409, late.text
    problem = late.json()
    assert problem["code"] == "dispatch.assignment_changed" and problem["unit_id"] == str(near.id)
    assert late.headers["content-type"].startswith("application/problem+json")
    assert "кезекші" in problem["title"]  # in the language asked for
    async with ctx.sessions() as session:
        stored = await session.get(Report, report.id)
        assert stored is not None and stored.unit_id == near.id

    # a reassignment that names the unit it takes the report from goes through
    moved = await _assign(app_client, second, report.id, unit_id=str(other.id), from_unit_id=str(near.id),
                          reason="ближе к месту")
    assert moved.status_code == 200 and moved.json()["unit_id"] == str(other.id)
    # and a console that says nothing keeps working as before
    back = await _assign(app_client, first, report.id, unit_id=str(near.id))
    assert back.status_code == 200 and back.json()["unit_id"] == str(near.id)


async def test_an_assignment_reason_is_bounded_like_every_staff_reason(ctx: Context,
                                                                       app_client: httpx.AsyncClient) -> None:
    """The reason is copied into the history of the report and of each incident member it moves: unbounded, one
    request could write megabytes into the sealed record (closing and extending reasons stop at 2,000)."""
    unit = await make_unit(ctx)
    report = await triage_report(ctx)
    headers = await _dispatcher(ctx, app_client)
    refused = await _assign(app_client, headers, report.id, unit_id=str(unit.id), reason="я" * 2001)
    assert refused.status_code == 422, refused.text
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/reason"]
    assert (await _assign(app_client, headers, report.id, unit_id=str(unit.id), reason="я" * 2000)).status_code == 200


async def test_a_stale_closing_is_refused(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """One officer sends the report to a unit; the other, still seeing it waiting, closes it as unfounded: the crew
    already on its way would lose it without either officer knowing."""
    unit = await make_unit(ctx)
    report = await triage_report(ctx)
    first, second = await _dispatcher(ctx, app_client), await _dispatcher(ctx, app_client)
    assert (await _assign(app_client, first, report.id, unit_id=str(unit.id), from_unit_id=None)).status_code == 200
    close = {"how": "unfounded", "reason": "не подтвердилось", "from_unit_id": None}
    late = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", json=close, headers=second)
    assert late.status_code == 409 and late.json()["code"] == "dispatch.assignment_changed", late.text
    assert late.json()["unit_id"] == str(unit.id)
    async with ctx.sessions() as session:
        stored = await session.get(Report, report.id)
        assert stored is not None and stored.status == Status.ASSIGNED
    seen = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=second,
                                 json={**close, "from_unit_id": str(unit.id)})
    assert seen.status_code == 200 and seen.json()["status"] == "closed", seen.text
