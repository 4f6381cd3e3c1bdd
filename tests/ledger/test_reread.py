"""The hourly reread of a day (backend/ledger/service.reread) is resumable: a run cut off goes on from its
checkpoint, a row committed late after the checkpoint is still found and sealed in the same cycle, one before it by
the next cycle, which starts a day back whatever the checkpoint says; the progress shows on the ledger's head.

A day is a hundred audit lines here, read in slices of ten: what matters is where a slice ends, not the volume.
The run is cut off at a slice's start, the way SAQ cancels a cron run at its timeout, on an event, never on a
measured time."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import exists, func, insert, select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.ledger import jobs, service
from backend.ledger.models import LedgerCheckpoint
from backend.ledger.record import ENTRIES
from backend.ledger.service import seal_pending
from backend.ledger.verify import verify
from backend.lib.clock import utcnow
from tests.ledger.records import an_hour_later
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio

SLICE = 10  # rows per table between two checkpoints, and per page
DAY = 100  # audit lines of the day, one a second


async def _audit(ctx: Context, *times: datetime) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in times]
    async with ctx.sessions() as session:
        await session.execute(insert(AuditLog), [dict(
            id=row_id, at=at, actor_type="dispatcher", actor_id="reread", action="report.view", target_type="report",
            target_id=str(row_id), data={}) for row_id, at in zip(ids, times, strict=True)])
        await session.commit()
    return ids


async def _sealed(ctx: Context, row_id: uuid.UUID) -> bool:
    async with ctx.sessions() as session:
        return bool(await session.scalar(select(exists().where(ENTRIES.c.table_name == "audit_log",
                                                               ENTRIES.c.row_id == row_id))))


async def _lines(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditLog)) or 0)


async def _checkpoint(ctx: Context) -> LedgerCheckpoint:
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, service.REREAD)
    assert checkpoint is not None
    return checkpoint


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "reread", functools.partial(service.reread, slice_rows=SLICE, batch=SLICE))


@pytest.fixture
def cut_off(small_slices: None, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The reread held at the start of its third slice (after two checkpoints) until cancelled; the returned event
    is set when it gets there."""
    reached, slices = asyncio.Event(), 0
    real = service._seal_once

    async def held(*args: Any, **kwargs: Any) -> Any:
        nonlocal slices
        if kwargs.get("scan") is not None:  # the reread's, not the minute's own seal
            slices += 1
            if slices == 3:
                reached.set()
                await asyncio.Event().wait()  # until the cron's timeout cancels the run
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "_seal_once", held)
    return reached


async def test_a_reread_cut_off_goes_on_from_its_checkpoint_and_a_new_cycle_starts_a_day_back(
        ctx: Context, cut_off: asyncio.Event, app_client: httpx.AsyncClient) -> None:
    base = utcnow() - timedelta(hours=3)
    day = await _audit(ctx, *(base + timedelta(seconds=i) for i in range(DAY)))
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys, full=True)  # the day so far, sealed

    run = asyncio.ensure_future(jobs.seal_the_record(ctx))
    await cut_off.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    checkpoint = await _checkpoint(ctx)
    assert (checkpoint.rows_read, checkpoint.finished_at) == (2 * SLICE, None)
    assert checkpoint.positions["audit_log"]["id"] == str(day[2 * SLICE - 1])

    # the operator sees how far the cycle got
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    head = (await app_client.get("/api/v1/ledger/head",
                                 headers=bearer(await login(app_client, prosecutor.badge_number, password)))).json()
    assert head["reread"]["rows_read"] == 2 * SLICE and head["reread"]["finished_at"] is None
    assert datetime.fromisoformat(head["reread"]["reached"]) == base + timedelta(seconds=2 * SLICE - 1)

    # rows whose transactions committed hours after their time: one before the checkpoint, one after it
    [before] = await _audit(ctx, base + timedelta(seconds=5.5))
    [after] = await _audit(ctx, base + timedelta(seconds=50.5))
    ctx.extras.pop(jobs._CUT_OFF)  # the pause after a cut-off is over
    await jobs.seal_the_record(ctx)
    assert await _sealed(ctx, after)  # found by the cycle going on
    assert not await _sealed(ctx, before)  # behind it: the cycle did not start again from the day's beginning
    checkpoint = await _checkpoint(ctx)
    # every audit line read once in the cycle (the day's, `after`, the head's reads), but for `before`
    assert checkpoint.finished_at is not None and checkpoint.rows_read == await _lines(ctx) - 1

    await jobs.seal_the_record(ctx)  # within the hour: no new cycle yet
    assert not await _sealed(ctx, before)
    await an_hour_later(ctx)
    await jobs.seal_the_record(ctx)  # a new cycle, from a day back
    assert await _sealed(ctx, before)
    assert (await _checkpoint(ctx)).rows_read == await _lines(ctx)
    async with ctx.sessions() as session:
        verdict = await verify(session, ctx.settings.secret_keys)
    assert verdict.intact and verdict.pending == 0


async def test_a_checkpoint_rewritten_in_the_database_cannot_stop_the_reread(
        ctx: Context, small_slices: None) -> None:
    """Someone with the database moves the checkpoint: into the future (no cycle would ever be due again), or to
    something unreadable (every run would fail). Either way the next run starts a cycle a day back."""
    base = utcnow() - timedelta(hours=3)
    await _audit(ctx, *(base + timedelta(seconds=i) for i in range(2 * SLICE)))
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys, full=True)
    await jobs.seal_the_record(ctx)  # a whole cycle
    assert (await _checkpoint(ctx)).finished_at is not None

    async def rewrite(**values: Any) -> None:
        async with ctx.sessions() as session:
            checkpoint = await session.get(LedgerCheckpoint, service.REREAD)
            for name, value in values.items():
                setattr(checkpoint, name, value)
            await session.commit()

    [late] = await _audit(ctx, base + timedelta(seconds=1.5))
    await rewrite(started_at=utcnow() + timedelta(days=365))
    await jobs.seal_the_record(ctx)
    assert await _sealed(ctx, late)

    [later] = await _audit(ctx, base + timedelta(seconds=2.5))
    await rewrite(finished_at=None, positions={"audit_log": "far ahead"})
    await jobs.seal_the_record(ctx)
    assert await _sealed(ctx, later)


async def test_the_end_of_a_day_too_large_for_one_run_is_reached(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """The defect as it was: each run cut off at the same point of a large day started the day again, so the rows
    past that point were never reread and a late one there never sealed. Only the scheduled seal's own surface is
    used, so this runs against the code before the checkpoint too (and fails there)."""
    monkeypatch.setattr(service, "REREAD_SLICE", 1000, raising=False)  # a checkpoint after each page of 1000
    base = utcnow() - timedelta(hours=3)
    await _audit(ctx, *(base + timedelta(seconds=i) for i in range(3000)))
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys, full=True)
    [late] = await _audit(ctx, base + timedelta(seconds=2500.5))  # in the day's third page

    pages = 0
    real = service._sealed_among

    async def cut_off_at_the_third_page(*args: Any, **kwargs: Any) -> Any:
        nonlocal pages
        pages += 1  # the minute's own seal reads no page here (nothing in its ten minutes): these are the reread's
        if pages == 3:
            raise asyncio.CancelledError  # the cron's timeout, on each run at the same point
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "_sealed_among", cut_off_at_the_third_page)
    for _ in range(3):  # three hours
        pages = 0
        for key in ("_LAST_DEEP", "_CUT_OFF"):  # whichever the job keeps: its pause after a cut-off is over
            ctx.extras.pop(getattr(jobs, key, None), None)
        with contextlib.suppress(asyncio.CancelledError):
            await jobs.seal_the_record(ctx)
    assert await _sealed(ctx, late)


async def test_a_row_committed_over_a_day_late_is_sealed_by_the_next_cycle(ctx: Context) -> None:
    """A row stamped three days back and committed now: the reread of a day does not reach it, and before it waited
    for `zan ledger seal --full`. The next cycle counts the rows older than its day against their entries first,
    finds one unsealed, and seals just it (the tables are not read from their start)."""
    base = utcnow() - timedelta(hours=3)
    await _audit(ctx, *(base + timedelta(seconds=i) for i in range(2 * SLICE)))
    await jobs.seal_the_record(ctx)  # sealed, and a whole cycle of the reread
    async with ctx.sessions() as session:
        assert await service.late_tables(session, utcnow() - timedelta(days=1)) == []
    [late] = await _audit(ctx, utcnow() - timedelta(days=3))
    await jobs.seal_the_record(ctx)  # within the hour: the cycle is done, and a day back does not reach it
    assert not await _sealed(ctx, late)
    async with ctx.sessions() as session:
        assert await service.late_tables(session, utcnow() - timedelta(days=1)) == ["audit_log"]

    await an_hour_later(ctx)
    await jobs.seal_the_record(ctx)
    assert await _sealed(ctx, late)
    async with ctx.sessions() as session:
        verdict = await verify(session, ctx.settings.secret_keys)
        assert verdict.intact and verdict.pending == 0
        assert await service.late_tables(session, utcnow() - timedelta(days=1)) == []


async def test_a_backlog_of_late_rows_is_sealed_a_runs_budget_at_a_time(ctx: Context) -> None:
    """Rows stamped days back and committed now (a restore, an import with its old times), more of them than a run
    of the reread reads: each run seals at most its budget of them and the next run goes on; the cycle's reread of
    the day begins once they are done. Before, they were sealed in one go, however many: past the cron's timeout a
    backlog was cut off in every run."""
    base = utcnow() - timedelta(hours=3)
    await _audit(ctx, *(base + timedelta(seconds=i) for i in range(SLICE)))
    await jobs.seal_the_record(ctx)  # sealed, and a whole cycle of the reread
    late = await _audit(ctx, *(utcnow() - timedelta(days=3, seconds=i) for i in range(2 * SLICE + 5)))
    await an_hour_later(ctx)

    async def run() -> int:
        async with ctx.sessions() as session:
            seals = await service.reread(session, ctx.settings.secret_keys, every=timedelta(hours=1), rows=SLICE,
                                         slice_rows=SLICE, batch=SLICE)
        return sum(seal.rows for seal in seals)

    sealed = []
    for _ in range(3):
        assert await run() <= SLICE
        sealed.append(sum([await _sealed(ctx, row_id) for row_id in late]))
    assert sealed == [SLICE, 2 * SLICE, 2 * SLICE + 5]
    async with ctx.sessions() as session:  # the third run began rereading the day with the rest of its budget
        progress = await service.reread_progress(session)
        assert progress is not None and progress.finished_at is None and progress.rows_read > 0
    assert await run() == 0  # the day's rows were all sealed: this run only reads to the end of them
    async with ctx.sessions() as session:
        progress = await service.reread_progress(session)
        assert progress is not None and progress.finished_at is not None
        verdict = await verify(session, ctx.settings.secret_keys)
    assert verdict.intact and verdict.pending == 0
