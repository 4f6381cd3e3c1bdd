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
from backend.context import build_context
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
