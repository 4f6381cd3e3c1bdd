"""Objects a store outage keeps from being deleted, found by the 2026-12-05 media audit; the tests of a completion
failed before the fix.

A completion deletes what nothing reads any more: the upload it copied to the file's own key, or a refused file's
bytes. With the store gone at that moment the request still succeeds (nothing depends on it), but the bytes stayed:
the upload of every verified file, a citizen's photo under uploads/, for good (a verified file is attached to a
report and never purged). Now the file is marked and the sweep (`media.delete_leftovers`, every minute) deletes them
once the store is back.

The store goes exactly between the completion's read of the upload and its deletions: the test holds the file's row
lock, which the completion takes to record its outcome after reading the upload, and cuts the store while the
completion waits for it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.jobs.scheduled import run_scheduled
from backend.lib.clock import utcnow
from backend.media import cleanup as media_cleanup
from backend.media import service as media_service
from backend.media.models import Media
from tests.fakes.s3 import S3Bucket
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, eventually, jpeg_with_exif, lock_waiters
from tests.media.test_media import declare, upload_local
from tests.media.test_media_uploads import _uploaded, gated_s3  # noqa: F401  (gated_s3 is a fixture)

pytestmark = pytest.mark.anyio
Gated = tuple[PartnerClient, Context, TcpProxy, S3Bucket]


async def _row(ctx: Context, media_id: str) -> Media:
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(media_id))
        assert media is not None
        return media


def _keys(bucket: S3Bucket) -> set[str]:
    """What the bucket holds, asked of S3 itself (not through the gate the app's store goes through)."""
    return {o["Key"] for o in bucket.client().list_objects_v2(Bucket=bucket.name).get("Contents", [])}



async def _complete_as_the_store_goes(citizen: PartnerClient, ctx: Context, proxy: TcpProxy,
                                      media_id: str) -> httpx.Response:
    """Complete the file; the store answers the completion's copy and read, and is gone for its deletions."""
    proxy.shut()
    completing = asyncio.create_task(citizen.post(f"/api/v1/media/{media_id}/complete"))
    try:
        await asyncio.wait_for(proxy.held.wait(), 30)  # the completion holds its lease and is at the store
        async with ctx.sessions() as session:
            await session.execute(select(Media).where(Media.id == uuid.UUID(media_id))  # type: ignore[arg-type]
                                  .with_for_update())
            proxy.open()

            async def waits_for_the_lock() -> bool:
                return await lock_waiters(ctx) > 0

            # it copied and read the upload, and now waits to record what it found
            await eventually(waits_for_the_lock, timeout=30)
            await proxy.cut()
            await session.commit()
        # a guard against hanging the suite: the deletions give up after botocore's three quick attempts
        return await asyncio.wait_for(completing, 60)
    finally:
        proxy.open()
        await proxy.restore()


async def test_the_upload_of_a_verified_file_is_deleted_once_the_store_is_back(gated_s3: Gated) -> None:  # noqa: F811
    citizen, ctx, proxy, bucket = gated_s3
    created = await _uploaded(citizen, jpeg_with_exif())
    media_id = created["id"]
    storage_key = (await _row(ctx, media_id)).storage_key
    upload = media_service.upload_key(storage_key)
    done = await _complete_as_the_store_goes(citizen, ctx, proxy, media_id)
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    assert _keys(bucket) == {storage_key, upload}  # the upload was left behind
    await run_scheduled(ctx)  # the store is back: the minute's jobs delete it
    assert _keys(bucket) == {storage_key}  # the verified file itself stays
    assert (await _row(ctx, media_id)).cleanup_at is None


async def test_a_refused_files_bytes_are_deleted_once_the_store_is_back(gated_s3: Gated) -> None:  # noqa: F811
    citizen, ctx, proxy, bucket = gated_s3
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, b"\xff\xd8\xff" + bytes(len(photo) - 3))).status_code in (
        200, 204)
    media_id = created["id"]
    refused = await _complete_as_the_store_goes(citizen, ctx, proxy, media_id)
    assert refused.status_code == 422 and refused.json()["code"] == "media.checksum_mismatch", refused.text
    assert _keys(bucket)  # the refused bytes (upload and copy) are still there
    assert (await _row(ctx, media_id)).status == "rejected"
    # with the store still down the minute's jobs change nothing, and try again later
    await proxy.cut()
    try:
        await run_scheduled(ctx)
    finally:
        await proxy.restore()
    assert _keys(bucket)
    await run_scheduled(ctx)
    assert _keys(bucket) == set()
    assert (await _row(ctx, media_id)).cleanup_at is None


async def test_an_expired_upload_is_deleted_once_the_store_is_back(gated_s3: Gated) -> None:  # noqa: F811
    """A declaration never completed is purged after a day, its row only once its upload is gone (this held before
    the audit: a regression test)."""
    citizen, ctx, proxy, bucket = gated_s3
    created = await _uploaded(citizen, jpeg_with_exif())
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == uuid.UUID(created["id"]))  # type: ignore[arg-type]
                              .values(created_at=utcnow() - timedelta(days=2)))
        await session.commit()
    await proxy.cut()
    try:
        assert await media_cleanup.purge_unused(ctx) == 0
    finally:
        await proxy.restore()
    assert _keys(bucket)
    await run_scheduled(ctx)
    assert _keys(bucket) == set()
    async with ctx.sessions() as session:
        assert await session.get(Media, uuid.UUID(created["id"])) is None


async def _ready(citizen: PartnerClient) -> dict[str, Any]:
    photo = jpeg_with_exif()
    created: dict[str, Any] = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    return created


async def test_the_sweep_keeps_a_newer_mark_and_leaves_unmarked_files(ctx: Context, citizen: PartnerClient) -> None:
    """On both databases: a marked file's leftovers go, its mark is cleared, other files are not touched."""
    store = media_service.get_store(ctx)
    marked, unmarked = await _ready(citizen), await _ready(citizen)
    rows = {m["id"]: await _row(ctx, m["id"]) for m in (marked, unmarked)}
    for media in rows.values():  # an app replayed its upload link after the completion: bytes at the upload key
        await store.put(media_service.upload_key(media.storage_key), b"replayed", "image/jpeg")
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == uuid.UUID(marked["id"]))  # type: ignore[arg-type]
                              .values(cleanup_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert await media_cleanup.delete_leftovers(ctx) == 1
    assert await store.inspect(media_service.upload_key(rows[marked["id"]].storage_key)) is None
    assert await store.inspect(rows[marked["id"]].storage_key) is not None  # the file itself stays
    assert await store.inspect(media_service.upload_key(rows[unmarked["id"]].storage_key)) is not None
    assert (await _row(ctx, marked["id"])).cleanup_at is None
    assert await media_cleanup.delete_leftovers(ctx) == 0
