"""An incident's life at the service level, on both databases: members follow the primary's staff steps only as
far as the workflow table allows, a split-off report stops following, and a closed primary hands the incident to
its earliest open report (so staff steps keep reaching the reporters still waiting)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Outcome, Status
from backend.routing import corrections
from tests.core.factories import make_report
from tests.officers.factories import make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio
PATROL = By(Actor.PATROL_OFFICER, "patrol-7", "tablet")


async def _actions(session: AsyncSession, report_id: uuid.UUID) -> list[str]:
    return list(await session.scalars(select(ReportEvent.action).where(ReportEvent.report_id == report_id)  # type: ignore[call-overload]
                                      .order_by(ReportEvent.created_at, ReportEvent.id)))


async def _load(session: AsyncSession, *ids: uuid.UUID) -> list[Report]:
    return [r for r in [await session.get(Report, i, populate_existing=True) for i in ids] if r is not None]


async def test_split_stops_following_and_the_workflow_is_never_bypassed(ctx: Context) -> None:
    unit = await make_unit(ctx, code="LIFE-1")
    async with ctx.sessions() as session:
        p, m1, m2, m3 = [await make_report(session, status=Status.TRIAGE, text=f"Драка у дома 7 ({n})")
                         for n in range(4)]
        assert await corrections.merge(session, [m2, p, m3, m1], DISPATCHER) == p.id  # the earliest leads
        await corrections.split(session, m3, DISPATCHER)
        await dispatch.assign(session, p, unit, DISPATCHER)
        # a member's own step stays its own: the officer asks m2's reporter for details
        await reports.change_status(session, m2, Action.REQUEST_INFO, PATROL, reason="Уточните номер подъезда")
        await reports.change_status(session, p, Action.EN_ROUTE, PATROL)
        await session.commit()
        ids = (p.id, m1.id, m2.id, m3.id)
        p_number = p.number

    async with ctx.sessions() as session:
        p, m1, m2, m3 = await _load(session, *ids)
        assert (p.status, m1.status, m2.status, m3.status) == ("en_route", "en_route", "awaiting_reporter", "triage")
        assert m3.incident_id is None and m3.unit_id is None
        assert await _actions(session, m3.id) == ["incident_merged", "incident_split"]  # no step reached it
        # en_route is no status change from awaiting_reporter: m2 keeps its status (its reporter's answer is still
        # needed) and records the crew's step in place, not forced through the workflow
        in_place = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == m2.id,  # type: ignore[arg-type]
                                                                  ReportEvent.action == "en_route"))  # type: ignore[arg-type]
        assert in_place is not None and in_place.from_status == in_place.to_status == "awaiting_reporter"
        follow = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == m1.id,  # type: ignore[arg-type]
                                                                ReportEvent.action == "en_route"))  # type: ignore[arg-type]
        assert follow is not None and follow.actor_id == "patrol-7" and p_number in (follow.reason or "")
        assert follow.data["incident_id"] == str(p.id)
        assert p.number not in str(follow.public_text)  # reporters never learn another reporter's number
        assert await reports.also_reported(session, m1) == 2 and await reports.also_reported(session, m3) == 0

        # the primary's reporter withdraws: not a staff step, nobody follows; the incident passes to m1
        await reports.withdraw(session, p, By(Actor.CITIZEN, str(p.citizen_id), "test"), "уже не нужно")
        await session.commit()

    async with ctx.sessions() as session:
        p, m1, m2, m3 = await _load(session, *ids)
        assert m1.status == "en_route" and m2.status == "awaiting_reporter"
        assert p.incident_id == m1.id and m1.incident_id == m1.id and m2.incident_id == m1.id
        assert await reports.also_reported(session, m1) == 1  # the withdrawn report no longer counts
        await reports.change_status(session, m1, Action.RESOLVE, PATROL, outcome=Outcome.WARNING)
        await session.commit()

    async with ctx.sessions() as session:
        p, m1, m2, m3 = await _load(session, *ids)
        assert m2.status == "closed" and m2.resolution == "resolved" and m2.outcome == "warning"
        assert (await _actions(session, m2.id))[-1] == "resolve"
        # the withdrawn primary followed no step since; it only handed the incident on (an internal line says so)
        actions = await _actions(session, p.id)
        assert [action for action in actions if action != "incident_regrouped"][-1] == "withdraw"
        assert actions.count("incident_regrouped") == 1 and m3.status == "triage"
        # m2's reporter appeals: the only open report of the incident leads it again
        await reports.reopen(session, m2, By(Actor.CITIZEN, str(m2.citizen_id), "test"), "Драка продолжается")
        await session.commit()

    async with ctx.sessions() as session:
        p, m1, m2, _ = await _load(session, *ids[:3], ids[3])
        assert m2.status == "reopened" and {p.incident_id, m1.incident_id, m2.incident_id} == {m2.id}


async def test_a_split_primary_hands_over_and_a_pair_split_is_no_incident(ctx: Context) -> None:
    async with ctx.sessions() as session:
        a, b, c = [await make_report(session, status=Status.TRIAGE) for _ in range(3)]
        await corrections.merge(session, [a, b, c], DISPATCHER)
        await corrections.split(session, a, DISPATCHER)
        assert (a.incident_id, b.incident_id, c.incident_id) == (None, b.id, b.id)
        await corrections.split(session, c, DISPATCHER)
        assert (b.incident_id, c.incident_id) == (None, None)  # one report left is no incident
        await session.commit()
