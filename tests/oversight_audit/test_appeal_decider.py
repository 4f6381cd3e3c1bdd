"""An appeal is not decided by the officer whose closing it appeals (APPK), whichever path closes the report: a
crew's tablet (its `resolved` is rejected with the code, the rest of the batch applies, a crewmate may still resolve)
and a closing of an incident's primary (the member under appeal against that officer stays open for another one,
and the primary still closes). The console's own path: test_outside_defects.py."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.errors import ZanError
from backend.officers.models import Unit
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from backend.routing.corrections import lock_incidents, merge
from tests.core.factories import triage_report
from tests.reports.step_helpers import events_of
from tests.sync.conftest import DISPATCHER, assigned_report, crew_tablets

pytestmark = pytest.mark.anyio
X = By(Actor.DISPATCHER, str(uuid.uuid4()), "console")
Y = By(Actor.DISPATCHER, str(uuid.uuid4()), "console")


async def _appeal(ctx: Context, report_id: uuid.UUID) -> None:
    """Its citizen appeals the closing."""
    async with ctx.sessions() as session:
        report = await reports.lock(session, report_id)
        assert report is not None
        await reports.reopen(session, report, By(Actor.CITIZEN, str(report.citizen_id), "egov"), "никто не приезжал")
        await session.commit()


async def _row(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None
    return report


async def _close(ctx: Context, report_id: uuid.UUID, by: By, reason: str = "не подтвердилось") -> None:
    async with ctx.sessions() as session:
        row = await reports.lock(session, report_id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", by, reason=reason)
        await session.commit()


async def test_a_crew_officer_may_not_resolve_the_appeal_against_their_own_resolve(ctx: Context) -> None:
    unit, mine, crewmate = await crew_tablets(ctx)
    report, other = await assigned_report(ctx, unit), await assigned_report(ctx, unit)
    rid = str(report.id)
    await mine.pull_all()
    mine.edit("reports", rid, status="resolved", outcome="warning")
    [resolved] = await mine.push()
    assert resolved["status"] == "applied", resolved
    await _appeal(ctx, report.id)
    async with ctx.sessions() as session:  # dispatch sends the same crew again
        row, crew = await session.get(Report, report.id), await session.get(Unit, unit.id)
        assert row is not None and crew is not None
        await dispatch.assign(session, row, crew, DISPATCHER)
        await session.commit()
    await mine.pull_all()
    mine.edit("reports", rid, status="resolved", outcome="not_confirmed", findings="никого не нашли")
    mine.edit("reports", str(other.id), status="en_route")
    refused, went = await mine.push()
    # one mutation rejected with the code, not `superseded` (nothing later won), and the batch goes on
    assert (refused["status"], refused["reason"]) == ("rejected", "report.appeal_own_decision"), refused
    assert went["status"] == "applied", went
    assert (await _row(ctx, report.id)).status == Status.ASSIGNED.value
    assert len(await events_of(ctx, report.id, Action.RESOLVE.value)) == 1
    await crewmate.pull_all()
    crewmate.edit("reports", rid, status="resolved", outcome="not_confirmed")
    [decided] = await crewmate.push()
    assert decided["status"] == "applied", decided
    assert (await _row(ctx, report.id)).status == Status.CLOSED.value


async def test_closing_a_primary_leaves_a_member_appealing_its_closer_open_for_another(ctx: Context) -> None:
    primary = await triage_report(ctx, category="public_order", district="astana")
    member = await triage_report(ctx, category="public_order", district="astana")
    await _close(ctx, member.id, X)
    await _appeal(ctx, member.id)
    async with ctx.sessions() as session:  # the appeal joins the incident still open (the primary is earlier)
        await lock_incidents(session, [primary.id, member.id])
        rows = [await session.get(Report, r.id) for r in (primary, member)]
        assert await merge(session, [r for r in rows if r is not None], Y) == primary.id
        await session.commit()
    await _close(ctx, primary.id, X)
    assert (await _row(ctx, primary.id)).status == Status.CLOSED.value
    appealed = await _row(ctx, member.id)
    assert appealed.status == Status.REOPENED.value and appealed.incident_id == member.id  # it leads what is open
    [moved] = await events_of(ctx, member.id, "incident_regrouped")
    assert moved.data == {"from": str(primary.id), "to": str(member.id), "primary_closed": str(primary.id)}
    assert moved.public is False
    async with ctx.sessions() as session:  # on its own, X is refused too; Y decides it
        row = await reports.lock(session, member.id)
        assert row is not None
        with pytest.raises(ZanError) as refused:
            await dispatch.close(session, row, "unfounded", X, reason="не подтвердилось")
        assert (refused.value.code, refused.value.status) == ("report.appeal_own_decision", 403)
        await session.rollback()
    await _close(ctx, member.id, Y, reason="проверено повторно")
    assert (await _row(ctx, member.id)).status == Status.CLOSED.value


async def test_oversight_reopening_is_no_citizen_appeal(ctx: Context) -> None:
    """The rule is the citizen's complaint's: a supervisor reopening a closing lets its closer decide again."""
    report = await triage_report(ctx, category="public_order", district="astana")
    async with ctx.sessions() as session:
        row = await reports.lock(session, report.id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", X, reason="не подтвердилось")
        await reports.reopen(session, row, By(Actor.SUPERVISOR, str(uuid.uuid4()), "console"), "проверить ещё раз")
        await dispatch.close(session, row, "unfounded", X, reason="проверено повторно")
        await session.commit()
    assert (await _row(ctx, report.id)).status == Status.CLOSED.value
