"""Routing that finishes after staff already acted on a report (the model was away, the report waited in triage):
what it decides must not undo their work, nor leave the report somewhere its new category forbids."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.service import unit_may_take
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.officers.models import Unit
from backend.reports import deadlines
from backend.reports.models import Report
from backend.reports.service import By, append_event, is_restricted
from backend.reports.workflow import Action, Actor, Status
from backend.routing import corrections, jobs
from ml.router import RoutingDecision
from tests.core.factories import make_report
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio
STAFF = By(Actor.DISPATCHER, "disp-1", "console")


def decision(category: str, *, restricted: bool, priority: str = "high", urgent: bool = False) -> RoutingDecision:
    return RoutingDecision(
        category=category, category_source="model", confidence=0.95, alternatives=[], abstained=False,
        department="district_inspector", unit="x", rule_id="r1", priority=priority, urgent=urgent, urgency_reasons=[],
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


@pytest.mark.parametrize(("urgent", "expected"), [(False, "normal"), (True, "urgent")])
async def test_late_routing_keeps_the_priority_a_dispatcher_reclassified_to(ctx: Context, urgent: bool,
                                                                           expected: str) -> None:
    """The model's guess of the category the dispatcher overruled ("violence": high) must not rank the report by
    that guess; only danger read in the text still makes it urgent."""
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, text="Разбили окно в подъезде",
                                   routing_state="failed", priority="normal")
        await session.commit()
    async with ctx.sessions() as session:
        await corrections.lock_incidents(session, [report.id])
        fresh = await session.get(Report, report.id)
        assert fresh is not None
        await corrections.reclassify(session, fresh, "vandalism", "это порча имущества", STAFF)
        await session.commit()

    await jobs._apply(ctx, report.id, decision("violence", restricted=False, priority="urgent" if urgent else "high",
                                               urgent=urgent), None)

    async with ctx.sessions() as session:
        got = await session.get(Report, report.id)
    assert got is not None and got.category == "vandalism"
    assert (got.priority, got.urgent) == (expected, urgent)


async def test_late_routing_after_an_appeal_runs_the_redirect_term_from_the_reopening(ctx: Context) -> None:
    """The model was away for weeks; meanwhile staff closed the report and the citizen's appeal reopened it. Out of
    police competence, its redirect term runs from the reopening (as a reclassify's does), not from registration:
    dated from registration it is long overdue, and the SLA job escalates it at once."""
    registered = utcnow() - dt.timedelta(days=30)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, text="Яма на дороге у школы",
                                   routing_state="failed", reopen_count=1, created_at=registered)
        reopening = await append_event(session, report, Action.REOPEN.value, By(Actor.CITIZEN, "c", "test"),
                                       public=False)
        await session.commit()

    await jobs._apply(ctx, report.id, decision("not_police", restricted=False, priority="low"), None)

    async with ctx.sessions() as session:
        got = await session.get(Report, report.id)
        stored = await session.get(type(reopening), reopening.id)
    assert got is not None and stored is not None and got.category == "not_police"
    assert got.redirect_due_at == deadlines.redirect_term("not_police", stored.created_at, ctx.calendar)
    assert got.redirect_due_at is not None and got.redirect_due_at > utcnow()
