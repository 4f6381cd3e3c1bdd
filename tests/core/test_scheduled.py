"""Scheduled work (SLA escalation, notification sweeps, purges, sealing the record) runs in embedded mode too: there
the relay runs it, since no SAQ worker exists to fire its cron. Observed through real effects: an expired replay
nonce purged, and an audit line sealed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.app import create_app
from backend.audit.service import record
from backend.context import Context, build_context
from backend.ledger.models import LedgerSeal
from backend.lib.clock import utcnow
from backend.partners.models import RequestNonce
from backend.partners.service import create as create_partner
from tests.conftest import _truncate, make_settings
from tests.helpers import eventually

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("queue", ["inprocess", "saq"])
async def test_the_relay_runs_scheduled_work_only_where_no_saq_worker_does(db_url: str, tmp_path: Path,
                                                                          queue: str) -> None:
    ctx = build_context(make_settings(db_url, tmp_path, queue=queue, scheduled_interval_s=0.1), null_pool=True)
    await _truncate(ctx)
    try:
        async with ctx.sessions() as session:
            partner = await create_partner(session=session, secret_key=ctx.settings.secret_key, name="kaspi")
            session.add_all([RequestNonce(signature=uuid.uuid4().hex, partner_id=partner.id,
                                          expires_at=utcnow() + delta) for delta in (timedelta(minutes=-1),
                                                                                      timedelta(minutes=5))])
            await record(session, actor_type="admin", actor_id=None, action="partner.create", target_type="partner",
                         target_id=partner.id)
            await session.commit()

        async def nonces() -> int:
            async with ctx.sessions() as session:
                return int(await session.scalar(select(func.count()).select_from(RequestNonce)) or 0)

        async def purged() -> bool:
            async with ctx.sessions() as session:
                sealed = await session.scalar(select(func.count()).select_from(LedgerSeal))
            return await nonces() == 1 and sealed == 1

        async with create_app(ctx=ctx).lifespan():
            if queue == "inprocess":
                await eventually(purged, timeout=5)
            else:  # SAQ's cron does it in `zan worker`; the API's relay must not run it a second time
                with pytest.raises(AssertionError):
                    await eventually(purged, timeout=0.5)
        assert await nonces() == (1 if queue == "inprocess" else 2)
        async with ctx.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(LedgerSeal)) == (queue == "inprocess")
    finally:
        await ctx.close()


@pytest.mark.redis
@pytest.mark.saq
async def test_saq_seals_in_a_cron_job_of_its_own_bounded_for_a_minute_cadence(ctx: Context) -> None:
    """SAQ's default timeout (10 s) cut the one cron job off, whose last job was sealing the record: once the
    minute's work took longer (the hourly reread of a day grows with the volume) nothing was sealed any more. The
    jobs SAQ schedules, read back from Redis: two, each with a timeout that leaves a slow minute room, and none
    scheduled a second time while one waits."""
    from backend.health.controller import LEDGER_LAG_S
    from backend.jobs.saq import SCHEDULED_TIMEOUT_S, get_queue, make_worker

    worker = make_worker(ctx)
    queue = get_queue(ctx)
    try:
        await worker.schedule()
        seal, main = await queue.job("cron:zan_cron_seal"), await queue.job("cron:zan_cron")
        assert seal is not None and main is not None
        assert seal.timeout == main.timeout == SCHEDULED_TIMEOUT_S
        # longer than SAQ's default, shorter than the lag after which /health says the sealing stopped
        assert 60 <= SCHEDULED_TIMEOUT_S < LEDGER_LAG_S
        for _ in range(3):  # every worker schedules every second: still one run of each waits
            await worker.schedule()
        assert await queue.count("incomplete") == 2
    finally:
        keys = [key async for key in queue.redis.scan_iter(match=f"saq:job:{queue.name}:*", count=500)]
        if keys:
            await queue.redis.delete(*keys)


async def test_sealing_runs_apart_from_the_sweeps_and_first(ctx: Context) -> None:
    """The sealer has its cron job to itself (a slow sweep cannot use up its time) and, where one loop runs
    everything (embedded), goes first. Observed through the effects of each SAQ cron function: an expired nonce
    purged, an audit line sealed."""
    from backend.jobs.saq import zan_cron, zan_cron_seal
    from backend.jobs.scheduled import LANES, SEAL, lane_jobs

    async with ctx.sessions() as session:
        partner = await create_partner(session=session, secret_key=ctx.settings.secret_key, name="kaspi")
        session.add(RequestNonce(signature=uuid.uuid4().hex, partner_id=partner.id,
                                 expires_at=utcnow() - timedelta(minutes=1)))
        await record(session, actor_type="admin", actor_id=None, action="partner.create", target_type="partner",
                     target_id=partner.id)
        await session.commit()

    async def counts() -> tuple[int, int]:
        async with ctx.sessions() as session:
            return (int(await session.scalar(select(func.count()).select_from(RequestNonce)) or 0),
                    int(await session.scalar(select(func.count()).select_from(LedgerSeal)) or 0))

    await zan_cron_seal({"zan": ctx})
    assert await counts() == (1, 1)  # sealed; the sweeps are not its business
    await zan_cron({"zan": ctx})
    assert await counts() == (0, 1)  # swept; no sealing in it
    assert lane_jobs(SEAL) == ["ledger.seal"] and LANES[0] == SEAL
