"""PostgreSQL-only proofs: the late-commit gap of a sequence cursor (reproduced, then shown closed by our change
log), and two devices pushing to the same report at the same time."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, insert, select

from backend.context import Context
from backend.reports.models import Report
from backend.sync.changes import mark_dirty
from backend.sync.models import ReportNote, SyncChange
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, uuid7

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def _read_after(ctx: Context, seq: int) -> list[int]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(SyncChange.seq).where(SyncChange.seq > seq).order_by(SyncChange.seq)))  # type: ignore[call-overload, operator]


async def test_plain_sequence_cursor_loses_a_late_commit(ctx: Context) -> None:
    """The failure mode itself: T1 takes seq 1 and stays open, T2 takes seq 2 and commits, a reader advances to 2,
    T1 commits — and seq 1 is never seen by a cursor reader."""
    t1, t2 = ctx.sessions(), ctx.sessions()
    await t1.execute(insert(SyncChange).values(scope="s", entity="reports", entity_id="late"))
    await t2.execute(insert(SyncChange).values(scope="s", entity="reports", entity_id="early"))
    await t2.commit()
    seen = await _read_after(ctx, 0)
    cursor = max(seen)
    await t1.commit()
    await t1.close()
    await t2.close()
    assert await _read_after(ctx, cursor) == []  # lost forever
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SyncChange)) == 2


async def test_change_log_has_no_late_commit_gap(ctx: Context) -> None:
    """Same interleaving through mark_dirty: the seq is drawn under the advisory lock at commit, so T1's marker
    gets a seq above everything a reader could have seen before it committed."""
    t1, t2 = ctx.sessions(), ctx.sessions()
    await t1.execute(select(1))  # T1's transaction is open first and does its business writes
    mark_dirty(t1, "s", "reports", "late")
    mark_dirty(t2, "s", "reports", "early")
    await t2.commit()
    cursor = max(await _read_after(ctx, 0))
    await t1.commit()
    await t1.close()
    await t2.close()
    assert len(await _read_after(ctx, cursor)) == 1

    # and under real concurrency: many writers committing while a reader keeps advancing its cursor
    async def writer(i: int) -> None:
        async with ctx.sessions() as session:
            await session.execute(select(func.pg_sleep(0.001 * (i % 5))))
            mark_dirty(session, "c", "reports", f"w{i}")
            await session.commit()

    seen: set[int] = set()
    cursor = 0
    tasks = [asyncio.create_task(writer(i)) for i in range(40)]
    while not all(t.done() for t in tasks):
        rows = await _read_after(ctx, cursor)
        seen.update(rows)
        cursor = max([cursor, *rows])
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    seen.update(await _read_after(ctx, cursor))
    async with ctx.sessions() as session:
        everything = set(await session.scalars(select(SyncChange.seq)))  # type: ignore[call-overload]
    assert seen == everything


async def test_concurrent_pushes_from_two_devices(ctx: Context) -> None:
    unit = await make_unit(ctx)
    first, _ = await make_officer(ctx, unit=unit)
    second, _ = await make_officer(ctx, unit=unit)
    a, b = Tablet(ctx, first, unit.id), Tablet(ctx, second, unit.id)
    reports = [await assigned_report(ctx, unit) for _ in range(3)]
    await a.pull_all()
    await b.pull_all()
    for tab in (a, b):
        for report in (reports if tab is a else list(reversed(reports))):
            tab.edit("reports", str(report.id), officer_summary=f"{tab.device_id}", status="en_route")
            tab.edit("notes", uuid7(), "create", report_id=str(report.id), text=f"заметка {tab.device_id}")
    ra, rb = await asyncio.gather(a.push(), b.push())
    statuses = [r["status"] for r in ra + rb]
    assert "rejected" not in statuses
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReportNote)) == 6
        rows = list(await session.scalars(select(Report).where(Report.id.in_([r.id for r in reports]))))  # type: ignore[attr-defined]
    assert all(r.status == "en_route" for r in rows)
    # the same batch resent concurrently by both paths of a flaky network: still one effect
    note = uuid7()
    a.edit("notes", note, "create", report_id=str(reports[0].id), text="дважды")
    batch = list(a.outbox)
    a2 = Tablet(ctx, first, unit.id, device_id=a.device_id, outbox=list(batch))
    r1, r2 = await asyncio.gather(a.push(), a2.push())
    assert sorted([r1[0]["status"], r2[0]["status"]]) == ["applied", "duplicate"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReportNote)  # type: ignore[arg-type]
                                    .where(ReportNote.id == uuid.UUID(note))) == 1  # type: ignore[arg-type]

