"""The crew's step on an incident's primary (en route, on scene) is its confirmation of the incident's job: each
member the crew's unit holds has its own custody record marked accepted, as the primary's is. Before, the members
followed the step but their Assignment rows stayed unaccepted, so the custody history (GET .../history, `custody`)
showed the crew as never having accepted them. A member handed to another unit is that unit's to accept."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.models import Assignment
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.routing import corrections
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report

pytestmark = pytest.mark.anyio


async def _incident(ctx: Context, size: int) -> tuple[Unit, Tablet, list[uuid.UUID]]:
    """`size` urgent reports of one fight made one incident, assigned to one crew: its unit, its tablet (pulled) and
    the reports, the primary first."""
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    made = [
        await assigned_report(ctx, unit, text=f"Драка у магазина ({n})", urgent=True, priority="urgent")
        for n in range(size)
    ]
    async with ctx.sessions() as session:
        rows = [r for r in [await session.get(Report, m.id) for m in made] if r]
        assert await corrections.merge(session, rows, DISPATCHER) == made[0].id
        await session.commit()
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    return unit, tab, [m.id for m in made]


async def _custody(ctx: Context, report_id: uuid.UUID) -> Assignment:
    async with ctx.sessions() as session:
        [held] = await session.scalars(
            select(Assignment).where(col(Assignment.report_id) == report_id, col(Assignment.released_at).is_(None))
        )
        return held


async def _step(tab: Tablet, report_id: uuid.UUID, status: str) -> None:
    tab.edit("reports", str(report_id), status=status)
    [result] = await tab.push()
    assert result["status"] == "applied", result


@pytest.mark.parametrize("asked", [False, True], ids=["member assigned", "member asked"])
async def test_the_crews_step_on_the_primary_accepts_the_members(ctx: Context, asked: bool) -> None:
    """A member still assigned moves with the step; one whose reporter was asked records it in place. Both were
    reached by the crew, so both are accepted."""
    _, tab, (primary, member) = await _incident(ctx, 2)
    if asked:
        async with ctx.sessions() as session:
            row = await session.get(Report, member, with_for_update=True)
            assert row is not None
            await dispatch.request_info(session, row, "Уточните номер подъезда", DISPATCHER)
            await session.commit()
    assert (await _custody(ctx, member)).accepted_at is None
    await _step(tab, primary, "en_route")
    accepted = await _custody(ctx, member)
    assert accepted.accepted_at is not None
    assert (await _custody(ctx, primary)).accepted_at is not None
    # the crew's next step keeps the time it accepted
    await _step(tab, primary, "on_scene")
    assert (await _custody(ctx, member)).accepted_at == accepted.accepted_at


async def test_a_member_another_unit_holds_is_not_accepted_by_this_crew(ctx: Context) -> None:
    _, tab, (primary, member, elsewhere) = await _incident(ctx, 3)
    other = await make_unit(ctx)
    async with ctx.sessions() as session:  # a member assigned on its own moves alone
        row = await session.get(Report, elsewhere, with_for_update=True)
        assert row is not None
        await dispatch.assign(session, row, other, DISPATCHER)
        await session.commit()
    await _step(tab, primary, "en_route")
    assert (await _custody(ctx, member)).accepted_at is not None
    moved = await _custody(ctx, elsewhere)
    assert moved.unit_id == other.id and moved.accepted_at is None
