"""The routing job's duplicate join against a dispatcher's concurrent merge or split: find_cluster reads the match
without a lock, so the join must lock its incident and re-read it, or it writes the match's incident back from a
stale copy and silently undoes the dispatcher's change."""

from __future__ import annotations

import numpy as np
import pytest

from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from backend.routing.duplicates import find_cluster, join
from backend.routing.models import ReportEmbedding
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
STAFF = By(Actor.DISPATCHER, "d1", "console")


def unit_vector() -> np.ndarray:
    v = np.ones(16, dtype=np.float32)
    return v / np.linalg.norm(v)


async def _three(ctx: Context) -> tuple[Report, Report, Report]:
    async with ctx.sessions() as s:
        other = await make_report(s, status=Status.TRIAGE, text="Драка у ТЦ", category="public_order")
        match = await make_report(s, status=Status.TRIAGE, text="Драка у ТЦ, бьют", category="public_order")
        newcomer = await make_report(s, status=Status.REGISTERED, text="Драка у ТЦ снова", category="public_order")
        s.add(ReportEmbedding(report_id=match.id, embedder="t", vector=unit_vector().tobytes()))
        await s.commit()
    return other, match, newcomer


async def _incidents(ctx: Context, *ids: object) -> list[object]:
    async with ctx.sessions() as s:
        return [(await s.get(Report, i)).incident_id for i in ids]  # type: ignore[union-attr]


async def test_join_keeps_a_merge_committed_after_the_match_was_found(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("two concurrent writers need row locks")
    other, match, newcomer = await _three(ctx)
    async with ctx.sessions() as job:
        me = await reports.lock(job, newcomer.id)
        assert me is not None
        found = await find_cluster(job, me, unit_vector())
        assert found is not None and found[0].id == match.id and found[0].incident_id is None
        async with ctx.sessions() as dispatcher:  # merges the match into `other`'s incident meanwhile
            await corrections.lock_incidents(dispatcher, [other.id, match.id])
            merged = [await dispatcher.get(Report, other.id), await dispatcher.get(Report, match.id)]
            incident = await corrections.merge(dispatcher, merged, STAFF)  # type: ignore[arg-type]
            await dispatcher.commit()
        await join(job, me, *found)
        await job.commit()
    assert incident == other.id
    assert await _incidents(ctx, other.id, match.id, newcomer.id) == [incident, incident, incident]


async def test_join_skips_a_match_restricted_or_closed_meanwhile(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("two concurrent writers need row locks")
    _, match, newcomer = await _three(ctx)
    async with ctx.sessions() as job:
        me = await reports.lock(job, newcomer.id)
        assert me is not None
        found = await find_cluster(job, me, unit_vector())
        assert found is not None
        async with ctx.sessions() as dispatcher:
            row = await dispatcher.get(Report, match.id)
            assert row is not None
            row.restricted = True  # a dispatcher found it is domestic violence
            dispatcher.add(row)
            await dispatcher.commit()
        await join(job, me, *found)
        await job.commit()
    assert await _incidents(ctx, match.id, newcomer.id) == [None, None]
