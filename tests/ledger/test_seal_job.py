"""The minute's seal under the cron's timeout (backend/ledger/jobs.py): the hourly reread of a day grows with the
day's volume, and once it outlasts the scheduled run's timeout it is cancelled. The minute's own rows must be sealed
all the same, and the reread must not be tried again (and cancelled again) every minute."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import exists, func, insert, select

from backend.audit.models import AuditLog
from backend.context import Context, build_context
from backend.ledger import jobs
from backend.ledger.record import ENTRIES
from backend.ledger.service import DEEP_LOOKBACK, seal_pending
from backend.ledger.verify import verify
from backend.lib.clock import utcnow
from tests.conftest import _truncate, make_settings

pytestmark = pytest.mark.anyio

DAY_ROWS = 30_000  # a day's record whose reread takes a second or so here: many times a minute's seal


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


async def _timed(ctx: Context, *, lookback: timedelta) -> float:
    started = time.perf_counter()
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys, lookback=lookback)
    return time.perf_counter() - started


async def _minute(ctx: Context, limit_s: float) -> bool:
    """One minute's scheduled seal, cut off after `limit_s` as SAQ cuts off a cron run. True if it finished."""
    try:
        await asyncio.wait_for(jobs.seal_the_record(ctx), limit_s)
    except TimeoutError:
        return False
    return True


async def test_a_reread_longer_than_the_cron_timeout_neither_stops_the_seals_nor_runs_each_minute(
        pg_ctx: Context) -> None:
    ctx = pg_ctx
    await _audit(ctx, DAY_ROWS, at=utcnow() - timedelta(hours=3))
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys, max_seals=1000)  # the day so far, sealed
    await _audit(ctx)
    regular = await _timed(ctx, lookback=jobs.LOOKBACK)
    reread = await _timed(ctx, lookback=DEEP_LOOKBACK)
    # the cron's timeout, scaled to this machine: ample for a minute's seal, too short for the reread of the day
    # (a long pass varies less, relative to its time, than a seal of a few tens of milliseconds)
    timeout = reread / 2.5
    assert regular * 3 < timeout, f"a minute's seal {regular:.3f} s, the reread {reread:.3f} s: too close to tell"
    assert await _pending(ctx) == 0

    await _audit(ctx)  # this minute's row; the process has not reread the day yet, so it does now
    assert not await _minute(ctx, timeout)  # the reread was cut off...
    assert await _pending(ctx) == 0  # ...after the minute's row was sealed

    await _audit(ctx)
    await _audit(ctx, at=utcnow() - timedelta(hours=2))  # committed long after its time: the reread's to find
    assert await _minute(ctx, timeout)  # the next minute does not start the cut-off reread again
    assert await _pending(ctx) == 1  # the minute's row sealed, the late one waits for the next reread

    ctx.extras[jobs._LAST_DEEP] -= jobs.DEEP_EVERY_S  # an hour later, with time enough
    await jobs.seal_the_record(ctx)
    assert await _pending(ctx) == 0
    async with ctx.sessions() as session:
        verdict = await verify(session, ctx.settings.secret_keys)
    assert verdict.intact and verdict.pending == 0
