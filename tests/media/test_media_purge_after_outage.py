"""A citizen's upload whose completion kept failing on a store outage is not purged the moment the store is back.

Before: a pending file went a day after its declaration (cleanup.ABANDONED_AFTER), however recently its completion
had failed with 503 `media.store_unavailable`, which apps retry. After an outage of over a day the purge, running
every minute, deleted the file (row and uploaded bytes) as soon as the store answered again, usually before the
app's next retry: the citizen's photo was lost. The day now counts from the last completion that failed on the
outage (`Media.store_failed_at`); a file whose last such failure is over a day old still goes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.media import cleanup as media_cleanup
from backend.media import service as media_service
from backend.media.models import Media
from tests.fakes.s3 import S3Bucket
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.media.test_media import declare, upload_local
from tests.media.test_media_audit_store_and_layout import complete_while_down
from tests.media.test_media_uploads import _uploaded, gated_s3  # noqa: F401  (gated_s3 is a fixture)

pytestmark = pytest.mark.anyio


async def _set(ctx: Context, media_id: str, **values: Any) -> None:
    """Time passing: the file's timestamps moved back in the database (nothing sleeps)."""
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == uuid.UUID(media_id)).values(**values))  # type: ignore[arg-type]
        await session.commit()


async def _row(ctx: Context, media_id: str) -> Media | None:
    async with ctx.sessions() as session:
        return await session.get(Media, uuid.UUID(media_id))


def _ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def test_a_file_whose_completion_failed_on_an_s3_outage_outlives_it(
        gated_s3: tuple[PartnerClient, Context, TcpProxy, S3Bucket]) -> None:  # noqa: F811
    citizen, ctx, proxy, _ = gated_s3
    photo = jpeg_with_exif()
    waiting, forgotten = await _uploaded(citizen, photo), await _uploaded(citizen, photo)
    await proxy.cut()  # S3 refuses connections
    try:
        for created in (waiting, forgotten):
            down = await citizen.post(f"/api/v1/media/{created['id']}/complete")
            assert down.status_code == 503 and down.json()["code"] == "media.store_unavailable", down.text
    finally:
        await proxy.restore()
    # the outage lasted days: the file was declared three days ago, and its app kept retrying until just now
    await _set(ctx, waiting["id"], created_at=_ago(3))
    # the store is back and the purge runs before the app's next retry: the file stays, and completes
    assert await media_cleanup.purge_unused(ctx) == 0
    row = await _row(ctx, waiting["id"])
    assert row is not None and row.status == "pending" and row.store_failed_at is not None
    done = await citizen.post(f"/api/v1/media/{waiting['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text

    # `forgotten`'s last attempt failed two days ago (its app was uninstalled): it goes, as an abandoned upload does
    await _set(ctx, forgotten["id"], created_at=_ago(3), store_failed_at=_ago(2))
    assert await media_cleanup.purge_unused(ctx) == 1
    assert await _row(ctx, forgotten["id"]) is None
    assert await _row(ctx, waiting["id"]) is not None


async def test_each_completion_failed_on_a_local_store_outage_restarts_the_day(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    working = ctx.extras["media_store"]

    async def fails_on_the_outage() -> None:
        down = await complete_while_down(ctx, citizen, created["id"], tmp_path)
        assert down.status_code == 503 and down.json()["code"] == "media.store_unavailable", down.text

    await fails_on_the_outage()
    await _set(ctx, created["id"], created_at=_ago(5), store_failed_at=_ago(2))
    await fails_on_the_outage()  # the app retried while the store was still down: its day starts again
    row = await _row(ctx, created["id"])
    assert row is not None and row.store_failed_at is not None and row.store_failed_at > _ago(0.01)
    assert row.completed_at is None  # the failed completion gave its lease back

    assert await media_cleanup.purge_unused(ctx) == 0
    assert await _row(ctx, created["id"]) is not None
    # a day after that last failure the app has not come back: the file goes, with its upload
    await _set(ctx, created["id"], store_failed_at=_ago(1.01))
    assert await working.inspect(media_service.upload_key(row.storage_key)) is not None
    assert await media_cleanup.purge_unused(ctx) == 1
    assert await _row(ctx, created["id"]) is None
    assert await working.inspect(media_service.upload_key(row.storage_key)) is None


async def test_the_file_completes_once_the_local_store_is_back_after_a_long_outage(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    down = await complete_while_down(ctx, citizen, created["id"], tmp_path)
    assert down.status_code == 503, down.text
    await _set(ctx, created["id"], created_at=_ago(2))  # declared two days ago, its completion failed just now
    assert await media_cleanup.purge_unused(ctx) == 0
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
