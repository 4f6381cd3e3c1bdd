"""Scheduled work every minute: expired nonces, and whatever domains register (e.g. SLA escalation)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.scheduled")
Periodic = Callable[["Context"], Awaitable[None]]
PERIODIC: dict[str, Periodic] = {}


def periodic(name: str) -> Callable[[Periodic], Periodic]:
    def register(fn: Periodic) -> Periodic:
        PERIODIC[name] = fn
        return fn

    return register


async def run_scheduled(ctx: Context) -> None:
    from backend.jobs.registry import load_all_handlers

    load_all_handlers()  # the domains' @periodic run when their jobs modules are imported, whoever runs this
    for name, fn in PERIODIC.items():
        try:
            await fn(ctx)
        except Exception:  # one failing check must not starve the others
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
