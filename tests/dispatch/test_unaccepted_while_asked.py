"""An urgent report whose crew never confirmed its assignment needs a supervisor however the console went on. The
dispatcher asking the reporter a question (awaiting_reporter, then in_progress once they answer) says nothing of the
crew, which may not have seen the call at all: before, that question kept the report from escalating as "not
accepted", and settled the escalation already made, with no crew on its way. A crew step (on the tablet, or the
crew's step on the incident's primary, which its members record) settles it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.lib.clock import utcnow
from backend.officers.models import Unit
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from backend.routing import corrections
from tests.dispatch.test_escalations_settled import _listed, _urgent_assigned
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report

pytestmark = pytest.mark.anyio


async def _ask(http: httpx.AsyncClient, console: dict[str, str], report: Report) -> None:
    asked = await http.post(f"/api/v1/dispatch/reports/{report.id}/request-info", headers=console,
                            json={"reason": "Уточните номер подъезда"})
    assert asked.status_code == 200, asked.text


async def _answer(ctx: Context, report: Report) -> None:
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id, with_for_update=True)
        assert row is not None
        await reports.add_citizen_comment(session, row, "Третий подъезд", By(Actor.CITIZEN, str(row.citizen_id),
                                                                           "partner"))
        await session.commit()


async def _crew(ctx: Context, report: Report) -> Tablet:
    """A tablet of an officer of the unit holding `report`, pulled."""
    async with ctx.sessions() as session:
        held = await session.get(Report, report.id)
        unit = await session.get(Unit, held.unit_id) if held is not None and held.unit_id else None
    assert unit is not None
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    return tab


async def test_a_question_to_the_reporter_does_not_stop_the_escalation(ctx: Context,
                                                                       app_client: httpx.AsyncClient) -> None:
    report, console = await _urgent_assigned(ctx, app_client, "Q-1")
    # another urgent call, whose crew is on its way: its step says nothing of the first report's crew
    other, _ = await _urgent_assigned(ctx, app_client, "Q-0")
    tab = await _crew(ctx, other)
    tab.edit("reports", str(other.id), status="en_route")
    [moved] = await tab.push()
    assert moved["status"] == "applied", moved
    await _ask(app_client, console, report)
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 1
    assert await _listed(app_client, console) == [("unaccepted_urgent", report.number)]


async def test_the_escalation_stays_listed_until_the_crew_steps(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report, console = await _urgent_assigned(ctx, app_client, "Q-2")
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 1
    await _ask(app_client, console, report)
    assert await _listed(app_client, console) == [("unaccepted_urgent", report.number)]
    await _answer(ctx, report)  # back in work, still no crew
    assert await _listed(app_client, console) == [("unaccepted_urgent", report.number)]
    tab = await _crew(ctx, report)
    tab.edit("reports", str(report.id), status="en_route")
    [moved] = await tab.push()
    assert moved["status"] == "applied", moved
    assert await _listed(app_client, console) == []
    assert await find_escalations(ctx, utcnow() + timedelta(hours=2)) == 0


async def test_members_of_an_incident_the_crew_is_on_do_not_escalate(ctx: Context) -> None:
    """The crew steps on the primary only; its members follow that step (one asked before moves in place): the
    step in their record is the crew's confirmation, and their own custody records are marked accepted with it."""
    unit = await make_unit(ctx, code="Q-3")
    primary, member, asked = [await assigned_report(ctx, unit, text=f"Драка у магазина ({n})", urgent=True,
                                                    priority="urgent") for n in range(3)]
    async with ctx.sessions() as session:
        rows = [r for r in [await session.get(Report, r.id) for r in (primary, member, asked)] if r]
        assert await corrections.merge(session, rows, DISPATCHER) == primary.id
        row = await session.get(Report, asked.id, with_for_update=True)
        assert row is not None
        await reports.change_status(session, row, Action.REQUEST_INFO, DISPATCHER, reason="Какой подъезд?")
        await session.commit()
    tab = await _crew(ctx, primary)
    tab.edit("reports", str(primary.id), status="en_route")
    [moved] = await tab.push()
    assert moved["status"] == "applied", moved
    async with ctx.sessions() as session:
        statuses = [(await session.get(Report, r.id)).status for r in (primary, member, asked)]  # type: ignore[union-attr]
        assert statuses == [Status.EN_ROUTE.value, Status.EN_ROUTE.value, Status.AWAITING_REPORTER.value]
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 0
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(Escalation.kind))) == []  # type: ignore[call-overload]
