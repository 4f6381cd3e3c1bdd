"""Scheduled work every minute: purges (expired nonces, old finished outbox tasks…) and what domains register.

Jobs run in lanes. With SAQ each lane is a cron job of its own (backend/jobs/saq.py), so a slow or hung job delays
only the jobs of its lane: sealing the record (`SEAL`) must not wait behind a sweep of a large backlog, or be cut
off by the cron's timeout because the sweeps before it used the time up. In embedded mode one loop runs every lane
in LANES order, sealing first for the same reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from backend.lib.tasks import bounded

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.scheduled")
Periodic = Callable[["Context"], Awaitable[None]]
SEAL, MAIN = "seal", "main"
LANES = (SEAL, MAIN)
PERIODIC: dict[str, Periodic] = {}
LANE_OF: dict[str, str] = {}
# one job's bound in a run. In embedded mode one loop runs every job in turn, and nothing else cut a job off: one that
# hung (a sweep waiting on a push server that takes the connection and never answers) held every later run of every
# job, the record's sealing included. Under SAQ the whole lane is cut off after SCHEDULED_TIMEOUT_S (saq.py); this
# leaves the rest of the lane time to run. Two minutes: room for the longest legitimate job (a run's share of the
# hourly reread of a day, ~40 s), and in embedded mode the next run's sealing comes well before /health reports it
# as stopped (five minutes)
PERIODIC_TIMEOUT_S = 120.0


def periodic(name: str, *, lane: str = MAIN) -> Callable[[Periodic], Periodic]:
    assert lane in LANES, lane

    def register(fn: Periodic) -> Periodic:
        PERIODIC[name] = fn
        LANE_OF[name] = lane
        return fn

    return register


def lane_jobs(lane: str) -> list[str]:
    """The names of the lane's jobs, in the order they run."""
    from backend.jobs.registry import load_all_handlers

    load_all_handlers()  # the domains' @periodic run when their jobs modules are imported, whoever runs this
    return [name for name in PERIODIC if LANE_OF[name] == lane]


async def run_scheduled(ctx: Context, lane: str | None = None) -> None:
    """One minute's run of `lane`'s jobs, or of every lane (sealing first) when no lane is given."""
    for one in LANES if lane is None else (lane,):
        for name in lane_jobs(one):
            started = time.monotonic()
            try:
                # bounded, not asyncio.wait_for: that waits for the cancelled job to end, which one stuck on a
                # connection that does not answer may never do (lib/tasks.py); it goes on ending in the background
                await bounded(PERIODIC[name](ctx), PERIODIC_TIMEOUT_S)
            except Exception as exc:  # one failing check must not starve the others
                if isinstance(exc, TimeoutError) and time.monotonic() - started >= PERIODIC_TIMEOUT_S:
                    log.error("scheduled job %s cut off after %g s; the other jobs go on, it runs again next time",
                              name, PERIODIC_TIMEOUT_S)
                else:  # the job's own TimeoutError (a client of its giving up) among them: it failed
                    log.exception("scheduled job %s failed", name)


@periodic("bots.purge_seen_updates")
async def _purge_telegram_updates(ctx: Context) -> None:
    from bots.webhook import purge_seen_updates

    await purge_seen_updates(ctx)


@periodic("bots.purge_stale_drafts")
async def _purge_stale_drafts(ctx: Context) -> None:
    from bots.citizen.service import purge_stale_drafts

    await purge_stale_drafts(ctx)


@periodic("partners.purge_nonces")
async def _purge_nonces(ctx: Context) -> None:
    from backend.partners.service import purge_expired_nonces

    async with ctx.sessions() as session:
        await purge_expired_nonces(session=session)


@periodic("reports.purge_idempotency")
async def _purge_idempotency(ctx: Context) -> None:
    from backend.reports.idempotency import purge_expired

    async with ctx.sessions() as session:
        await purge_expired(session)


@periodic("jobs.purge_outbox")
async def _purge_outbox(ctx: Context) -> None:
    from datetime import timedelta

    from backend.jobs.retention import purge_finished

    async with ctx.sessions() as session:
        await purge_finished(session, older_than=timedelta(days=ctx.settings.outbox_retention_days))
