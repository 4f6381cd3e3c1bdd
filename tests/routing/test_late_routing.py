"""Routing that finishes after staff already acted on a report (the model was away, the report waited in triage):
what it decides must not undo their work, nor leave the report somewhere its new category forbids."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.service import unit_may_take
from backend.lib.errors import ZanError
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.reports.service import By, is_restricted
from backend.reports.workflow import Actor, Status
from backend.routing import corrections, jobs
from ml.router import RoutingDecision
from tests.core.factories import make_report
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio
STAFF = By(Actor.DISPATCHER, "disp-1", "console")


def decision(category: str, *, restricted: bool) -> RoutingDecision:
    return RoutingDecision(
        category=category, category_source="model", confidence=0.95, alternatives=[], abstained=False,
        department="district_inspector", unit="x", rule_id="r1", priority="high", urgent=False, urgency_reasons=[],
        advise=[], language="ru", district="astana", district_name="Astana", in_kazakhstan=True, model_version="m1",
        embedder="e", scores={category: 0.95}, lexicon=None, restricted=restricted, anonymous_allowed=True,
        redirect=None)


async def test_late_routing_that_restricts_a_merged_assigned_report_splits_and_releases_it(ctx: Context) -> None:
    unit = await make_unit(ctx, department="patrol_police")
    async with ctx.sessions() as session:
        primary = await make_report(session, status=Status.TRIAGE, text="Драка во дворе", category="public_order")
        other = await make_report(session, status=Status.TRIAGE, text="Во дворе дерутся", category="public_order")
        late = await make_report(session, status=Status.TRIAGE, text="Муж бьёт меня, во дворе шум",
                                 routing_state="failed")
        await corrections.merge(session, [primary, other, late], STAFF)  # while routing was failing
        await dispatch.assign(session, primary, await session.get(Unit, unit.id), STAFF)  # members follow
        await session.commit()
    async with ctx.sessions() as session:
        assert (await session.get(Report, late.id)).unit_id == unit.id  # type: ignore[union-attr]

    await jobs._apply(ctx, late.id, decision("domestic_violence", restricted=True), None)

    async with ctx.sessions() as session:
        got = await session.get(Report, late.id)
        rest = [await session.get(Report, i) for i in (primary.id, other.id)]
        patrol = await session.get(Unit, unit.id)
    assert got is not None and patrol is not None and is_restricted(got)
    assert got.incident_id is None  # no shared incident, no "me too" count
    assert got.unit_id is None and not unit_may_take(patrol, got)  # released: back in the queue for a designated unit
    assert got.status != Status.CLOSED
    # the rest of the incident stays as the dispatcher left it
    assert all(r is not None and r.incident_id == primary.id and r.unit_id == unit.id for r in rest)


async def test_merge_refuses_a_restricted_report_it_would_bring_along(ctx: Context) -> None:
    async with ctx.sessions() as session:
        a = await make_report(session, status=Status.TRIAGE, text="Драка у ТЦ", category="public_order")
        b = await make_report(session, status=Status.TRIAGE, text="Драка у ТЦ, бьют", category="public_order")
        c = await make_report(session, status=Status.TRIAGE, text="Драка у ТЦ снова", category="public_order")
        await corrections.merge(session, [a, b], STAFF)
        # b became restricted while in the incident (a tablet's reclassify, or data from before the split rule)
        b.restricted = True
        session.add(b)
        await session.commit()
    async with ctx.sessions() as session:
        await corrections.lock_incidents(session, [a.id, c.id])
        fresh = [await session.get(Report, c.id), await session.get(Report, a.id)]
        with pytest.raises(ZanError) as raised:
            await corrections.merge(session, fresh, STAFF)  # type: ignore[arg-type]
        await session.rollback()
    assert raised.value.status == 422
    async with ctx.sessions() as session:
        assert (await session.get(Report, c.id)).incident_id is None  # type: ignore[union-attr]
