"""The crew's question to the reporter of an incident's primary (a tablet's request_info) confirms the incident's job,
as its steps and the duty bot's Accept do (reports.accept_job): the members its unit holds are accepted with the
primary. Before, only the primary was, and the members escalated 'not accepted' while the crew worked them. A unit
accepts only its own custody records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.lib.clock import utcnow
from backend.reports import service as reports
from backend.reports.models import Report
from tests.officers.factories import make_unit
from tests.sync.test_incident_members_accepted import _custody, _incident

pytestmark = pytest.mark.anyio


async def test_question_on_the_primary_accepts_the_members(ctx: Context) -> None:
    _, tab, (primary, member) = await _incident(ctx, 2)
    tab.edit("reports", str(primary), op="request_info", reason="Уточните номер подъезда")
    [result] = await tab.push()
    assert result["status"] == "applied", result
    assert (await _custody(ctx, primary)).accepted_at is not None
    assert (await _custody(ctx, member)).accepted_at is not None
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) == 0


async def test_another_unit_accepts_nothing(ctx: Context) -> None:
    _, _, (primary, member) = await _incident(ctx, 2)
    other = await make_unit(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Report, primary)
        assert row is not None
        assert await reports.accept_job(session, row, other.id) == []
        assert await reports.accept_custody(session, [primary, member], other.id) == []
        await session.commit()
    assert (await _custody(ctx, primary)).accepted_at is None
    assert (await _custody(ctx, member)).accepted_at is None
