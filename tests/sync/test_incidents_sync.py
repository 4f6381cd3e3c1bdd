"""Incidents on the tablet, on PostgreSQL and SQLite: every report row carries `incident_id` (the primary's id)
and `primary`, so a tablet groups "me too" reports under the primary; merges, hand-overs and splits reach the
tablet through the ordinary dirty markers, and the incident stays server-only (a push of it is `read_only`)."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor
from backend.routing import corrections
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, server_view

pytestmark = pytest.mark.anyio


async def _load(ctx: Context, *ids: uuid.UUID) -> list[Report]:
    async with ctx.sessions() as session:
        return [r for r in [await session.get(Report, i) for i in ids] if r is not None]


def _grouping(tab: Tablet, *reports: Report) -> list[tuple[str | None, bool]]:
    rows = tab.replica["reports"]
    return [(rows[str(r.id)]["incident_id"], rows[str(r.id)]["primary"]) for r in reports]


async def test_tablet_groups_an_incident_under_its_primary_through_merge_hand_over_and_split(ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    first, second, third = [await assigned_report(ctx, unit, text=f"Драка у магазина ({n})") for n in range(3)]
    await tab.pull_all()
    assert _grouping(tab, first, second, third) == [(None, False)] * 3

    # the dispatcher merges the three: the earliest leads
    async with ctx.sessions() as session:
        rows = await _load(ctx, third.id, first.id, second.id)
        for row in rows:
            session.add(row)
        assert await corrections.merge(session, rows, DISPATCHER) == first.id
        await session.commit()
    await tab.pull_all()
    lead = str(first.id)
    assert _grouping(tab, first, second, third) == [(lead, True), (lead, False), (lead, False)]

    # the tablet may not regroup: incident_id is server-only, like the assignee
    tab.edit("reports", str(second.id), incident_id=None)
    [result] = await tab.push()
    assert result["status"] == "rejected" and result["reason"] == "read_only"
    assert result["read_only_fields"] == ["incident_id"]
    await tab.pull_all()
    assert _grouping(tab, second) == [(lead, False)]
    tab.edit("reports", str(second.id), primary=True)
    [result] = await tab.push()
    assert result["status"] == "rejected" and result["read_only_fields"] == ["primary"]
    await tab.pull_all()
    assert _grouping(tab, second) == [(lead, False)]

    # the primary's reporter withdraws: the report leaves the tablet and the incident passes to the next one,
    # whose row changed only in its incident fields
    async with ctx.sessions() as session:
        [row] = await _load(ctx, first.id)
        session.add(row)
        await reports.withdraw(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "уже не нужно")
        await session.commit()
    await tab.pull_all()
    assert str(first.id) not in tab.replica["reports"]
    lead = str(second.id)
    assert _grouping(tab, second, third) == [(lead, True), (lead, False)]

    # a split-off report no longer belongs (the withdrawn report keeps the incident's history with `second`)
    async with ctx.sessions() as session:
        [row] = await _load(ctx, third.id)
        session.add(row)
        await corrections.split(session, row, DISPATCHER)
        await session.commit()
    await tab.pull_all()
    assert _grouping(tab, second, third) == [(lead, True), (None, False)]
    assert tab.replica == await server_view(ctx, tab)
