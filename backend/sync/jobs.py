"""Scheduled housekeeping of the sync domain."""

from __future__ import annotations

from backend.context import Context
from backend.jobs.scheduled import periodic
from backend.sync.blobs import purge_stale_uploads


@periodic("sync.purge_stale_uploads")
async def _purge_stale_uploads(ctx: Context) -> None:
    async with ctx.sessions() as session:
        await purge_stale_uploads(session)
