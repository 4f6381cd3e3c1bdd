"""An incident ("me too" reports of one event) escalates once, not once per report: supervisors got one alert per
reporter of the same fight. Each report is still checked on its own terms (its deadline, its assignment, its time in
the queue); of those due together the primary (else the oldest) carries the escalation, which names the others. The
SLA check runs at chosen instants (`find_escalations(ctx, now)`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.jobs.models import OutboxTask
from backend.lib.clock import as_utc, utcnow
from backend.reports.models import Report
from backend.reports.workflow import Status
from tests.core.factories import triage_report
from tests.officers.factories import make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def _incident(ctx: Context, size: int, **fields: object) -> list[Report]:
    """`size` waiting reports of one event, the first (oldest) its primary."""
    members = [await triage_report(ctx, department="patrol_police", district="astana", **fields)
               for _ in range(size)]
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id).in_([m.id for m in members]))
                              .values(incident_id=members[0].id))
        await session.commit()
    return members


async def _escalations(ctx: Context, kind: str) -> list[Escalation]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Escalation).where(col(Escalation.kind) == kind)
                                          .order_by(col(Escalation.created_at))))


async def _tasks(ctx: Context) -> list[str]:
    async with ctx.sessions() as session:
        return sorted(t.task for t in await session.scalars(select(OutboxTask).where(
            col(OutboxTask.task).in_(("notifications.escalation", "officer_bot.escalation")))))


async def test_an_incident_assigned_and_not_accepted_escalates_once(ctx: Context) -> None:
    primary, *others = await _incident(ctx, 3, urgent=True, priority="urgent")
    unit = await make_unit(ctx)
    async with ctx.sessions() as session:  # the primary's assignment assigns the whole incident
        held = await session.get(Report, primary.id)
        assert held is not None
        await dispatch.assign(session, held, unit, DISPATCHER)
        await session.commit()
    later = utcnow() + timedelta(minutes=ctx.settings.escalate_unaccepted_min + 1)

    assert await find_escalations(ctx, later) == 1
    assert await find_escalations(ctx, later + timedelta(minutes=1)) == 0  # the next minute's run

    (esc,) = await _escalations(ctx, "unaccepted_urgent")
    assert esc.report_id == primary.id
    assert esc.data["incident_id"] == str(primary.id)
    assert sorted(esc.data["also_due"]) == sorted(str(o.id) for o in others)
    assert await _tasks(ctx) == ["notifications.escalation", "officer_bot.escalation"]


async def test_an_incident_nobody_assigns_escalates_once_and_a_lone_report_on_its_own(ctx: Context) -> None:
    primary, _, _ = await _incident(ctx, 3, urgent=True)
    lone = await triage_report(ctx, urgent=True, department="patrol_police", district="astana")
    later = as_utc(lone.created_at) + timedelta(minutes=ctx.settings.escalate_unassigned_min + 1)

    assert await find_escalations(ctx, later) == 2
    assert {e.report_id for e in await _escalations(ctx, "unassigned_urgent")} == {primary.id, lone.id}


async def test_the_oldest_due_member_stands_for_an_incident_whose_primary_is_not_due(ctx: Context) -> None:
    primary, second, third = await _incident(ctx, 3)
    near = utcnow() + timedelta(hours=20)  # within 2 working days
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id).in_([second.id, third.id]))
                              .values(deadline_at=near))
        await session.execute(update(Report).where(col(Report.id) == primary.id)
                              .values(deadline_at=utcnow() + timedelta(days=30)))
        await session.commit()

    assert await find_escalations(ctx) == 1
    (esc,) = await _escalations(ctx, "deadline_near")
    assert esc.report_id == second.id and esc.data["also_due"] == [str(third.id)]


async def test_members_keep_their_own_deadlines(ctx: Context) -> None:
    """A member whose deadline comes near while the incident's escalation stands adds nothing; once the escalated
    report is settled, the member that is still due escalates on its own deadline."""
    primary, member = await _incident(ctx, 2)
    near = utcnow() + timedelta(hours=20)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == primary.id).values(deadline_at=near))
        await session.execute(update(Report).where(col(Report.id) == member.id)
                              .values(deadline_at=utcnow() + timedelta(days=30)))
        await session.commit()
    assert await find_escalations(ctx) == 1

    async with ctx.sessions() as session:  # a day later the member (registered a day later) comes near too
        await session.execute(update(Report).where(col(Report.id) == member.id)
                              .values(deadline_at=near + timedelta(hours=1)))
        await session.commit()
    assert await find_escalations(ctx) == 0

    async with ctx.sessions() as session:  # the primary is answered; the member is still open and due
        await session.execute(update(Report).where(col(Report.id) == primary.id)
                              .values(status=Status.CLOSED.value))
        await session.commit()
    assert await find_escalations(ctx) == 1
    assert [e.report_id for e in await _escalations(ctx, "deadline_near")] == [primary.id, member.id]


async def test_a_member_escalated_first_holds_for_the_primary(ctx: Context) -> None:
    """The reverse order: a member (regrouped under a later primary) is due first; the primary coming due after
    it is the same incident's matter, already before the supervisors."""
    primary, member = await _incident(ctx, 2)
    near = utcnow() + timedelta(hours=20)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == member.id).values(deadline_at=near))
        await session.execute(update(Report).where(col(Report.id) == primary.id)
                              .values(deadline_at=utcnow() + timedelta(days=30)))
        await session.commit()
    assert await find_escalations(ctx) == 1
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == primary.id).values(deadline_at=near))
        await session.commit()
    assert await find_escalations(ctx) == 0
    assert [e.report_id for e in await _escalations(ctx, "deadline_near")] == [member.id]
