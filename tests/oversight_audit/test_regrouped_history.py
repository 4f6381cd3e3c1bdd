"""Routing joining a "me too" report to a match that led no incident yet makes the match a primary: its own history
says so (`incident_regrouped` from none to itself, naming the report that joined), as the newcomer's says it joined,
internal and sealed like every event. The console's merge and split: test_outside_defects.py; a closed primary
handing the incident on: test_appeal_decider.py."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.reports.models import Report
from backend.routing.duplicates import join
from tests.core.factories import triage_report
from tests.reports.step_helpers import events_of

pytestmark = pytest.mark.anyio


async def test_a_match_that_first_leads_an_incident_has_it_in_its_history(ctx: Context) -> None:
    match = await triage_report(ctx, text="Драка у подъезда", category="public_order", district="astana")
    newcomer = await triage_report(ctx, text="У подъезда дерутся", category="public_order", district="astana")
    async with ctx.sessions() as session:
        report = await session.get(Report, newcomer.id)
        assert report is not None
        assert await join(session, report, match, 0.93)
        await session.commit()
    [led] = await events_of(ctx, match.id, "incident_regrouped")
    assert led.data == {"from": None, "to": str(match.id), "joined": str(newcomer.id)}
    assert led.public is False and led.actor_type == "system"
    assert [e.action for e in await events_of(ctx, newcomer.id, "incident_joined")] == ["incident_joined"]
    assert await events_of(ctx, newcomer.id, "incident_regrouped") == []  # its own line is `incident_joined`
    # a second newcomer joins the incident as it is: the primary moves no more
    third = await triage_report(ctx, text="Во дворе дерутся", category="public_order", district="astana")
    async with ctx.sessions() as session:
        report, fresh = await session.get(Report, third.id), await session.get(Report, match.id)
        assert report is not None and fresh is not None
        assert await join(session, report, fresh, 0.9)
        await session.commit()
    assert len(await events_of(ctx, match.id, "incident_regrouped")) == 1
