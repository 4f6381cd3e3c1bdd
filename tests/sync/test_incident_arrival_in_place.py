"""An incident's members follow the crew's arrival on its primary each as its own status calls for. A member whose
own reporter was asked (awaiting_reporter), or answered before the crew got there (in_progress), keeps its status
and records the step in place, dated by the device, as the primary does in those statuses; one still assigned moves.
Before, the workflow left such a member out, and the crew's arrival at its scene was lost from its record. Every
combination of the primary's and the member's status, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.clock import as_utc
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from backend.routing import corrections
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report

pytestmark = pytest.mark.anyio

ARRIVED = datetime(2026, 12, 5, 16, 40, tzinfo=UTC)
ASKED, ANSWERED, ASSIGNED = "asked", "answered", "assigned"


async def _incident(ctx: Context) -> tuple[Tablet, uuid.UUID, uuid.UUID]:
    """Two reports of one fight made one incident, assigned to one crew: its tablet, the primary and the member."""
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    first, second = [await assigned_report(ctx, unit, text=f"Драка во дворе ({n})") for n in range(2)]
    async with ctx.sessions() as session:
        rows = [r for r in [await session.get(Report, first.id), await session.get(Report, second.id)] if r]
        assert await corrections.merge(session, rows, DISPATCHER) == first.id
        await session.commit()
    await tab.pull_all()
    return tab, first.id, second.id


async def _make(ctx: Context, report_id: uuid.UUID, state: str) -> None:
    """Leave the report assigned, or ask its reporter from the console (and have them answer)."""
    if state == ASSIGNED:
        return
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id, with_for_update=True)
        assert report is not None
        await dispatch.request_info(session, report, "Уточните номер подъезда", DISPATCHER)
        if state == ANSWERED:
            await reports.add_citizen_comment(session, report, "Второй подъезд",
                                              By(Actor.CITIZEN, str(report.citizen_id), "partner"))
        await session.commit()


async def _step(tab: Tablet, report_id: uuid.UUID, status: str, at: datetime) -> None:
    m = tab.edit("reports", str(report_id), status=status)
    m.device_time = at
    [result] = await tab.push()
    assert (result["status"], result["applied_fields"][:1]) == ("applied", ["status"]), result


async def _steps(ctx: Context, report_id: uuid.UUID) -> tuple[str, list[tuple[str, str | None, str | None]],
                                                               list[ReportEvent]]:
    """The report's status and its ground steps (action, from, to), oldest first, with their events."""
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        events = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id,  # type: ignore[arg-type]
            ReportEvent.action.in_([Action.EN_ROUTE.value, Action.ON_SCENE.value]))  # type: ignore[attr-defined]
            .order_by(ReportEvent.created_at)))  # type: ignore[arg-type]
    return report.status, [(e.action, e.from_status, e.to_status) for e in events], events


@pytest.mark.parametrize(("primary_state", "member_state"), [
    (ASKED, ASKED), (ASKED, ANSWERED), (ANSWERED, ASKED), (ANSWERED, ANSWERED)])
async def test_a_waiting_member_records_the_arrival_in_place(ctx: Context, primary_state: str,
                                                             member_state: str) -> None:
    """The crew is asked on the way (both reporters, or one answered already): its arrival, recorded in place on the
    primary, is recorded in place on the member too, with the officer's time, and the member's reporter is told."""
    tab, primary_id, member_id = await _incident(ctx)
    await _step(tab, primary_id, "en_route", ARRIVED - timedelta(minutes=10))
    await _make(ctx, primary_id, primary_state)
    await _make(ctx, member_id, member_state)
    kept = Status.AWAITING_REPORTER.value if member_state == ASKED else Status.IN_PROGRESS.value
    await _step(tab, primary_id, "on_scene", ARRIVED)
    status, steps, events = await _steps(ctx, member_id)
    assert status == kept
    assert steps == [(Action.EN_ROUTE.value, Status.ASSIGNED.value, Status.EN_ROUTE.value),
                     (Action.ON_SCENE.value, kept, kept)]
    arrival = events[-1]
    assert arrival.device_time is not None and as_utc(arrival.device_time) == ARRIVED
    assert arrival.public and arrival.channel == "tablet"
    assert arrival.data["incident_id"] == str(primary_id)
    primary_status, primary_steps, _ = await _steps(ctx, primary_id)
    assert primary_steps[-1] == (Action.ON_SCENE.value, primary_status, primary_status)


@pytest.mark.parametrize("member_state", [ASKED, ANSWERED])
async def test_a_member_asked_before_the_crew_left_records_both_steps(ctx: Context, member_state: str) -> None:
    """The member's reporter was asked while the crew was still assigned; the primary moves on with the crew's
    steps (a status change each) and the member records each of them in place."""
    tab, primary_id, member_id = await _incident(ctx)
    await _make(ctx, member_id, member_state)
    kept = Status.AWAITING_REPORTER.value if member_state == ASKED else Status.IN_PROGRESS.value
    await _step(tab, primary_id, "en_route", ARRIVED - timedelta(minutes=10))
    await _step(tab, primary_id, "on_scene", ARRIVED)
    status, steps, events = await _steps(ctx, member_id)
    assert status == kept
    assert steps == [(Action.EN_ROUTE.value, kept, kept), (Action.ON_SCENE.value, kept, kept)]
    assert [as_utc(e.device_time) for e in events if e.device_time] == [ARRIVED - timedelta(minutes=10), ARRIVED]
    primary_status, primary_steps, _ = await _steps(ctx, primary_id)
    assert primary_status == Status.ON_SCENE.value
    assert [to for _, _, to in primary_steps] == [Status.EN_ROUTE.value, Status.ON_SCENE.value]


async def test_an_assigned_member_moves_while_the_primary_records_in_place(ctx: Context) -> None:
    """A member that joined the incident after the crew left (assigned to the primary's unit then) is not waiting
    for anyone: the arrival recorded in place on the asked primary moves it on scene."""
    tab, primary_id, member_id = await _incident(ctx)
    await _step(tab, primary_id, "en_route", ARRIVED - timedelta(minutes=10))
    async with ctx.sessions() as session:  # the member is assigned again after the crew left (it joined late)
        member = await session.get(Report, member_id, with_for_update=True)
        primary = await session.get(Report, primary_id)
        assert member is not None and primary is not None
        await reports.change_status(session, member, Action.ASSIGN, DISPATCHER, fan_out=False)
        await session.commit()
    await _make(ctx, primary_id, ASKED)
    await _step(tab, primary_id, "on_scene", ARRIVED)
    status, steps, _ = await _steps(ctx, member_id)
    assert status == Status.ON_SCENE.value
    assert steps[-1] == (Action.ON_SCENE.value, Status.ASSIGNED.value, Status.ON_SCENE.value)


async def test_an_arrival_the_member_has_is_not_recorded_twice(ctx: Context) -> None:
    """The member's own crew step (on scene, before its reporter was asked) already records the arrival: the
    primary's later steps, en route and on scene, add nothing to the member's record."""
    tab, primary_id, member_id = await _incident(ctx)
    await _step(tab, member_id, "on_scene", ARRIVED - timedelta(minutes=2))
    await _make(ctx, member_id, ASKED)
    await _step(tab, primary_id, "en_route", ARRIVED - timedelta(minutes=1))
    await _make(ctx, primary_id, ASKED)
    await _step(tab, primary_id, "on_scene", ARRIVED)
    status, steps, _ = await _steps(ctx, member_id)
    assert status == Status.AWAITING_REPORTER.value
    assert steps == [(Action.ON_SCENE.value, Status.ASSIGNED.value, Status.ON_SCENE.value)]
