"""Accept in the duty bot is the crew's confirmation of the job, as a tablet's step is: it marks the custody record
accepted, in the officer's name. Before, the bot assigned the report and left its Assignment unaccepted, so an
officer who had tapped Accept had their urgent report escalated to supervisors as "not accepted" ten minutes later
(dispatch.jobs.awaiting_crew)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.officers.models import Officer, Unit
from backend.reports.models import Report
from backend.routing import corrections
from bots.officer import service
from tests.bots.conftest import link_code
from tests.core.factories import triage_report
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def _on_duty(ctx: Context, chat_id: int) -> tuple[Officer, Unit]:
    """An officer of a fresh unit, linked to `chat_id` and on shift (the bot's own service steps)."""
    unit = await make_unit(ctx, district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana")
    assert await service.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat_id) is not None
    assert await service.toggle_shift(ctx, chat_id=chat_id) is True
    return officer, unit


async def _urgent(ctx: Context) -> Report:
    return await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police", district="astana")


async def _custody(ctx: Context, report: Report) -> list[Assignment]:
    async with ctx.sessions() as session:
        return list(
            await session.scalars(
                select(Assignment).where(col(Assignment.report_id) == report.id, col(Assignment.released_at).is_(None))
            )
        )


async def _accept_lines(ctx: Context, report: Report) -> list[AuditLog]:
    async with ctx.sessions() as session:
        return list(
            await session.scalars(
                select(AuditLog).where(
                    col(AuditLog.action) == "report.accept", col(AuditLog.target_id) == str(report.id)
                )
            )
        )


async def test_accepted_in_the_bot_is_accepted_and_does_not_escalate(ctx: Context) -> None:
    officer, unit = await _on_duty(ctx, 881001)
    report = await _urgent(ctx)
    answer = await service.accept(ctx, chat_id=881001, report_id=report.id)
    assert answer.outcome is service.Outcome.ACCEPTED, answer
    [held] = await _custody(ctx, report)
    assert held.unit_id == unit.id and held.accepted_at is not None
    [line] = await _accept_lines(ctx, report)
    assert (line.actor_type, line.actor_id) == ("patrol_officer", str(officer.id))
    assert line.data == {"channel": "telegram", "unit_id": str(unit.id), "assignment_ids": [str(held.id)]}
    # the job's "not accepted" rule, well past ZAN_ESCALATE_UNACCEPTED_MIN
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 0

    # a second tap changes nothing: the acceptance keeps its time, and is audited once
    again = await service.accept(ctx, chat_id=881001, report_id=report.id)
    assert again.outcome is service.Outcome.ACCEPTED
    assert [row.accepted_at for row in await _custody(ctx, report)] == [held.accepted_at]
    assert len(await _accept_lines(ctx, report)) == 1


async def test_a_tap_on_a_report_the_console_gave_the_unit_accepts_it(ctx: Context) -> None:
    """The dispatcher assigned the offered report to this officer's unit before they tapped: the tap was answered
    "accepted" and accepted nothing, and the report escalated while the crew was on its way."""
    _, unit = await _on_duty(ctx, 881002)
    report = await _urgent(ctx)
    await _given_by_console(ctx, report, unit)
    [before] = await _custody(ctx, report)
    assert before.accepted_at is None
    answer = await service.accept(ctx, chat_id=881002, report_id=report.id)
    assert answer.outcome is service.Outcome.ACCEPTED
    [after] = await _custody(ctx, report)
    assert after.id == before.id and after.accepted_at is not None
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 0


async def test_accepting_an_incidents_primary_accepts_its_members(ctx: Context) -> None:
    """The primary's assignment takes its members to the same unit: one job, accepted as one."""
    _, unit = await _on_duty(ctx, 881003)
    primary, member = await _urgent(ctx), await _urgent(ctx)
    async with ctx.sessions() as session:
        rows = [r for r in [await session.get(Report, r.id) for r in (primary, member)] if r]
        assert await corrections.merge(session, rows, DISPATCHER) == primary.id
        await session.commit()
    answer = await service.accept(ctx, chat_id=881003, report_id=primary.id)
    assert answer.outcome is service.Outcome.ACCEPTED
    for report in (primary, member):
        [held] = await _custody(ctx, report)
        assert held.unit_id == unit.id and held.accepted_at is not None, report.number
    [line] = await _accept_lines(ctx, primary)
    assert len(line.data["assignment_ids"]) == 2
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 0


async def _given_by_console(ctx: Context, report: Report, unit: Unit) -> None:
    """The dispatcher assigns the offered report to the unit before its officer taps Accept."""
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.assign(session, row, unit, DISPATCHER)
        await session.commit()
