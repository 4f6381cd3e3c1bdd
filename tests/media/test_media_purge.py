"""Files no report holds are not kept: abandoned uploads after a day, completed but unattached files after a week
(rows and stored bytes), while files of a report, recent ones and those of a bot draft in progress stay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.jobs.scheduled import run_scheduled
from backend.media import cleanup as media_cleanup
from backend.media import service as media_service
from backend.media.models import Media
from bots.citizen.service import purge_stale_drafts, store_media
from bots.models import TelegramDraftMedia
from tests.core.factories import make_citizen, make_report
from tests.helpers import jpeg_with_exif, sha256_hex

pytestmark = pytest.mark.anyio


async def _aged(ctx: Context, media_id: uuid.UUID, days: float) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == media_id)  # type: ignore[arg-type]
                              .values(created_at=media_service.utcnow() - timedelta(days=days)))
        await session.commit()


async def _exists(ctx: Context, media_id: uuid.UUID) -> bool:
    async with ctx.sessions() as session:
        return await session.get(Media, media_id) is not None


async def test_unused_files_go_and_kept_ones_stay(ctx: Context) -> None:
    store = media_service.get_store(ctx)
    async with ctx.sessions() as session:
        citizen = await make_citizen(session)
        report = await make_report(session, citizen=citizen)
        await session.commit()
    photo = jpeg_with_exif()

    async def ready(days: float) -> Media:
        media = await store_media(ctx, citizen_id=citizen.id, data=photo, content_type="image/jpeg")
        await _aged(ctx, media.id, days)
        return media

    async def pending(days: float) -> Media:
        async with ctx.sessions() as session:
            media, _ = await media_service.declare(ctx, session, content_type="image/jpeg", size=len(photo),
                                                   sha256=sha256_hex(photo), citizen_id=citizen.id)
        await store.put(media_service.upload_key(media.storage_key), photo, "image/jpeg")  # uploaded, never completed
        await _aged(ctx, media.id, days)
        return media

    abandoned, fresh_pending = await pending(2), await pending(0.5)
    unused, recent = await ready(8), await ready(3)
    attached, in_draft = await ready(30), await ready(8)
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == attached.id).values(report_id=report.id))  # type: ignore[arg-type]
        session.add(TelegramDraftMedia(draft_key="chat:1", file_unique_id="f1", media_id=in_draft.id,
                                       created_at=media_service.utcnow()))
        await session.commit()

    assert await media_cleanup.purge_unused(ctx) == 2
    assert not await _exists(ctx, abandoned.id) and not await _exists(ctx, unused.id)
    assert await store.inspect(media_service.upload_key(abandoned.storage_key)) is None
    assert await store.inspect(unused.storage_key) is None  # the bytes went with the row
    for kept in (fresh_pending, recent, attached, in_draft):
        assert await _exists(ctx, kept.id)
    assert await store.inspect(attached.storage_key) is not None

    # the draft is abandoned too: after two days its file list goes (the scheduler's run), then its file
    async with ctx.sessions() as session:
        await session.execute(update(TelegramDraftMedia).values(created_at=media_service.utcnow() - timedelta(days=3)))
        await session.commit()
    await run_scheduled(ctx)
    assert not await _exists(ctx, in_draft.id)
    assert await purge_stale_drafts(ctx) == 0
