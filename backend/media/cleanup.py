"""What files leave behind in the store, and files no report holds: the leftovers of a checked file (deleted at
once, or by the sweep when the store was down) and the purge of unused, abandoned or refused files."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import column, exists, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import utcnow
from backend.media.models import Media
from backend.media.service import get_store, upload_key
from backend.media.storage import MediaStore, StoreUnavailable

log = logging.getLogger("zan.media")


def leftover_keys(media: Media) -> tuple[str, ...]:
    """The objects of a checked file that nothing reads any more: a verified file's upload (its bytes were copied
    to the file's own key), or a refused file's upload and its copy."""
    if media.status == "ready":
        return (upload_key(media.storage_key),)
    if media.status == "rejected":
        return (media.storage_key, upload_key(media.storage_key))
    return ()


async def delete_or_defer(session: AsyncSession, store: MediaStore, media: Media) -> None:
    """Delete a checked file's leftovers. They are harmless to no one's request (nothing reads them), so a store
    outage here does not fail the request; but they are a citizen's bytes: the file is marked for the sweep
    (delete_leftovers), which deletes them once the store is back."""
    try:
        for key in leftover_keys(media):
            await store.delete(key)
    except StoreUnavailable as exc:
        log.warning("the leftovers of a file could not be deleted from the store, the sweep will: %s", exc,
                    extra={"media_id": str(media.id)})
        await session.execute(update(Media).where(col(Media.id) == media.id).values(cleanup_at=utcnow()))
        await session.commit()


# A file is kept for a report. Declared and never completed (or refused): gone a day later, when its upload link has
# long expired; one whose completion failed on a store outage (a 503 its app retries), a day after the last such
# failure, so that an outage of over a day does not take the file before the app's retry once the store is back.
# Completed but never attached to a report: a week, time enough to finish a report in an app or the bot. A citizen's
# photos are not kept for nothing, and a store never fills up with abandoned uploads.
ABANDONED_AFTER = timedelta(days=1)
UNUSED_AFTER = timedelta(days=7)
PURGE_BATCH = 200
# the citizen bot's draft files (bots.models.TelegramDraftMedia) point at media rows: a draft still being written
# keeps its files. Named as a table, not imported: the media domain does not depend on the bots
_DRAFT_FILES = table("telegram_draft_media", column("media_id"))


async def purge_unused(ctx: Context) -> int:
    """Delete files no report holds once their time is up (rows and stored objects). Returns how many went.
    With the store down the rows stay and the next run tries again."""
    now = utcnow()
    abandoned = now - ABANDONED_AFTER
    async with ctx.sessions() as session:
        rows = list(await session.scalars(
            select(Media).where(
                col(Media.report_id).is_(None),
                or_((col(Media.status) == "pending") & (col(Media.created_at) < abandoned)
                    # its completion failed on the store's outage: its day counts from the last such failure
                    & or_(col(Media.store_failed_at).is_(None), col(Media.store_failed_at) < abandoned),
                    (col(Media.status) == "rejected") & (col(Media.created_at) < abandoned),
                    (col(Media.status) == "ready") & (col(Media.created_at) < now - UNUSED_AFTER)),
                # a file being verified right now (its completion's lease running) is left to its completion
                or_(col(Media.status) != "pending", col(Media.completed_at).is_(None), col(Media.completed_at) <= now),
                ~exists().where(_DRAFT_FILES.c.media_id == Media.id))
            .order_by(col(Media.created_at)).limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)))  # a file being attached right now is skipped
        store = get_store(ctx)
        purged = 0
        for media in rows:
            try:
                for key in (media.storage_key, upload_key(media.storage_key)):
                    await store.delete(key)
            except StoreUnavailable:
                break
            await session.delete(media)
            purged += 1
        await session.commit()
    if purged:
        log.info("purged %d unused media files", purged)
    return purged


LEFTOVER_BATCH = 200


async def delete_leftovers(ctx: Context) -> int:
    """Delete what failed deletions left in the store (marked by delete_or_defer); returns how many files were
    cleared. With the store still down nothing changes and the next run tries again. No row is locked through the
    store's calls (a registration claiming a verified file must not wait on S3): deleting is idempotent, and a file
    marked again meanwhile keeps its newer mark."""
    async with ctx.sessions() as session:
        rows = list(await session.scalars(
            select(Media).where(col(Media.cleanup_at).is_not(None), col(Media.cleanup_at) <= utcnow())
            .order_by(col(Media.cleanup_at)).limit(LEFTOVER_BATCH)))
        await session.commit()
    store = get_store(ctx)
    cleared = 0
    for media in rows:
        try:
            for key in leftover_keys(media):
                await store.delete(key)
        except StoreUnavailable:
            break
        async with ctx.sessions() as session:
            await session.execute(update(Media).where(col(Media.id) == media.id,
                                                      col(Media.cleanup_at) == media.cleanup_at)
                                  .values(cleanup_at=None))
            await session.commit()
        cleared += 1
    if cleared:
        log.info("deleted the leftovers of %d media files", cleared)
    return cleared
