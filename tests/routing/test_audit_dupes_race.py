"""Two witnesses of one crash whose reports are routed at the same moment (the relay runs routing jobs side by
side): each job's duplicate search ran before the other's embedding was committed, so neither saw the other and the
crash made two incidents, two queue entries, two units. The second search now waits for the first job's
transaction (PostgreSQL; SQLite has one writer at a time). Failed on the code before its fix."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from sqlalchemy import text

from backend.context import Context
from backend.reports.models import Report
from backend.routing import duplicates
from backend.routing.duplicates import find_cluster
from backend.routing.models import ReportEmbedding
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
CRASH = "ДТП на перекрёстке Абая и Кенесары, столкнулись две машины"


def _vec() -> np.ndarray:
    v = np.ones(16, dtype=np.float32)
    return v / np.linalg.norm(v)


async def _two_witnesses(ctx: Context) -> tuple[Report, Report]:
    """Both registered (committed, as intake commits them), neither routed yet."""
    async with ctx.sessions() as s:
        first = await make_report(s, text=CRASH, category="road_accident")
        second = await make_report(s, text=CRASH + "!", category="road_accident", lat=51.1601, lon=71.4701)
        await s.commit()
    return first, second


async def _embedded(session: object, report: Report) -> Report:
    """The routing job's step before the search: its report's vector written (not yet committed)."""
    row = await session.get(Report, report.id)  # type: ignore[attr-defined]
    session.add(ReportEmbedding(report_id=report.id, embedder="t", vector=_vec().tobytes()))  # type: ignore[attr-defined]
    await session.flush()  # type: ignore[attr-defined]
    return row  # type: ignore[no-any-return]


async def test_two_reports_routed_at_once_find_each_other(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    first, second = await _two_witnesses(ctx)
    async with ctx.sessions() as job1, ctx.sessions() as job2:
        me1 = await _embedded(job1, first)
        assert await find_cluster(job1, me1, _vec()) is None  # nothing else yet
        me2 = await _embedded(job2, second)
        search = asyncio.ensure_future(find_cluster(job2, me2, _vec()))
        await asyncio.wait({search}, timeout=0.2)  # the second job searches while the first is still writing
        await job1.commit()
        found = await search
        assert found is not None and found[0].id == first.id, "two witnesses of one crash made two incidents"
        await job2.rollback()


async def test_a_search_held_up_too_long_goes_on_without_waiting(ctx: Context,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The wait is bounded: a transaction that holds the area long (or a lock cycle with a dispatcher's merge) costs
    the second report its "me too", never its routing."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    monkeypatch.setattr(duplicates, "SEARCH_LOCK_WAIT_MS", 50)
    first, second = await _two_witnesses(ctx)
    async with ctx.sessions() as job1, ctx.sessions() as job2:
        me1 = await _embedded(job1, first)
        assert await find_cluster(job1, me1, _vec()) is None
        me2 = await _embedded(job2, second)
        before = await job2.scalar(text("SHOW lock_timeout"))
        assert await asyncio.wait_for(find_cluster(job2, me2, _vec()), timeout=5) is None
        # the transaction is usable afterwards, and its own lock wait is what it was
        assert await job2.get(Report, second.id) is not None
        assert await job2.scalar(text("SHOW lock_timeout")) == before
        await job2.rollback()
        await job1.rollback()
