"""The minute's seal under the cron's timeout (backend/ledger/jobs.py): the hourly reread of a day grows with the
day's volume, and when it outlasts the scheduled run's timeout it is cancelled. The minute's own rows must be sealed
all the same, the reread must not be tried again (and cancelled again) every minute, and it goes on later from its
checkpoint (tests/ledger/test_reread.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.audit.models import AuditLog
from backend.context import Context, build_context
from backend.ledger import jobs, service
from backend.ledger.record import ENTRIES
from backend.ledger.service import seal_pending
from backend.ledger.verify import verify
from backend.lib.clock import utcnow
from tests.conftest import _truncate, make_settings

pytestmark = pytest.mark.anyio

# a day's record read in several slices (REREAD_SLICE, a checkpoint after each): the reread runs a statement after
# another for long enough to be cut off in one of them, which is all the test needs of its length (the cut-off waits
# for the reread to run a statement, not for a time). Before: 30,000 rows in production's 20,000-row slices, whose
# sealing, reread and verification were most of the test's 20-50 s.
DAY_ROWS = 3_000
SLICE_ROWS = 250


@pytest.fixture
async def pg_ctx(pg_url: str, tmp_path: Path) -> AsyncIterator[Context]:
    """PostgreSQL only: production's database, where the worker's cron runs the seal under SAQ's timeout."""
    ctx = build_context(make_settings(pg_url, tmp_path), null_pool=True)
    await _truncate(ctx)
    try:
        yield ctx
    finally:
        await ctx.close()


async def _audit(ctx: Context, count: int = 1, at: datetime | None = None) -> None:
    async with ctx.sessions() as session:
        await session.execute(insert(AuditLog), [dict(
            id=uuid.uuid4(), at=at or utcnow(), actor_type="dispatcher", actor_id="seal-job", action="report.view",
            target_type="report", target_id=str(i), data={}) for i in range(count)])
        await session.commit()


async def _pending(ctx: Context) -> int:
    """Audit lines without their entry in a seal (what `zan ledger verify` counts as pending, without rechecking
    the day's seals each time)."""
    audit = AuditLog.__table__  # type: ignore[attr-defined]
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(audit).where(~exists().where(
            ENTRIES.c.table_name == "audit_log", ENTRIES.c.row_id == audit.c.id))) or 0)


async def _cut_off_during_the_reread(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """One minute's scheduled seal, cancelled as SAQ cancels a cron run at its timeout, once the day's reread has
    begun. Cancelling on that event rather than after a measured time keeps the test independent of the machine's
    speed: the reread of DAY_ROWS takes far longer than polling."""
    began = asyncio.Event()
    real = jobs.reread

    async def reread(*args: Any, **kwargs: Any) -> Any:
        began.set()
        return await real(*args, **kwargs)

    monkeypatch.setattr(jobs, "reread", reread)
    run = asyncio.ensure_future(jobs.seal_the_record(ctx))
    while not began.is_set():
        assert not run.done(), "the minute ended without starting the reread"
        await asyncio.sleep(0.002)
    # and is running a statement: cancelled while still connecting, asyncpg reports the lost connection from a
    # callback instead of raising into the cancelled task. Watched over one connection held open: a connection
    # opened for each look (null pool) took longer than the reread's short statements on a quiet machine, which
    # then ended the reread before any look saw one running
    async with ctx.engine.connect() as connection:
        # each look in its own transaction: pg_stat_activity is read once per transaction and then kept
        watcher = await connection.execution_options(isolation_level="AUTOCOMMIT")
        while not await _statement_running(watcher):
            assert not run.done(), "the reread ended before it could be cut off"
            await asyncio.sleep(0.001)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run


async def _statement_running(watcher: AsyncConnection) -> bool:
    return bool(await watcher.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
        "AND pid <> pg_backend_pid()")))


async def test_a_reread_longer_than_the_cron_timeout_neither_stops_the_seals_nor_runs_each_minute(
        pg_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = pg_ctx
    monkeypatch.setattr(service, "REREAD_SLICE", SLICE_ROWS)  # read when called (service.reread)
    await _audit(ctx, DAY_ROWS, at=utcnow() - timedelta(hours=3))
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys, max_seals=1000)  # the day so far, sealed
    assert await _pending(ctx) == 0

    await _audit(ctx)  # this minute's row; the process has not reread the day yet, so it does now
    await _cut_off_during_the_reread(ctx, monkeypatch)
    assert await _pending(ctx) == 0  # the minute's row was sealed before the reread began
    attempted = ctx.extras[jobs._CUT_OFF]

    await _audit(ctx)
    await _audit(ctx, at=utcnow() - timedelta(hours=2))  # committed long after its time: the reread's to find
    await jobs.seal_the_record(ctx)  # the next minute does not start the cut-off reread again
    assert ctx.extras[jobs._CUT_OFF] == attempted
    assert await _pending(ctx) == 1  # the minute's row sealed, the late one waits for the next reread

    ctx.extras[jobs._CUT_OFF] -= jobs.DEEP_EVERY_S  # an hour later, with time enough: it goes on from where it was
    await jobs.seal_the_record(ctx)
    assert await _pending(ctx) == 0
    async with ctx.sessions() as session:
        verdict = await verify(session, ctx.settings.secret_keys)
    assert verdict.intact and verdict.pending == 0
