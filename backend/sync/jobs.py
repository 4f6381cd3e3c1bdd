"""Scheduled housekeeping of the sync domain."""

from __future__ import annotations

from backend.context import Context
from backend.jobs.scheduled import periodic
from backend.media.service import get_store
from backend.sync.blobs import purge_stale_uploads


@periodic("sync.purge_stale_uploads")
async def _purge_stale_uploads(ctx: Context) -> None:
    """Unfinished evidence uploads idle for 14 days: reset, or deleted when no evidence item names them."""
    async with ctx.sessions() as session:
        await purge_stale_uploads(session, store=get_store(ctx))
