"""A staff download link of a citizen's file is kept by no browser or proxy cache, on S3 as the embedded link is
(`Cache-Control: private, no-store`): a duty room's shared computer kept the photos (GPS and faces in them) in its
disk cache after the five-minute link had expired, and a caching proxy in front of the public media address could
keep them for anyone holding the URL (failed before on S3: the presigned GET named no Cache-Control)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.media.storage import LocalStore, S3Store, s3_client_factory
from tests.fakes.s3 import S3Bucket
from tests.helpers import jpeg_with_exif

pytestmark = pytest.mark.anyio


async def test_an_s3_download_link_is_served_uncacheable_as_an_attachment(s3_bucket: S3Bucket) -> None:
    kwargs = s3_bucket.client_kwargs
    store = S3Store(s3_client_factory(kwargs["endpoint_url"], kwargs["region_name"], kwargs["aws_access_key_id"],
                                      kwargs["aws_secret_access_key"]), s3_bucket.name)
    photo, key = jpeg_with_exif(), f"2026/12/06/{uuid.uuid4()}"
    await store.put(key, photo, "image/jpeg")
    url = await store.download_url(key, "image/jpeg", "ZP-2026-000001-1.jpg")
    async with httpx.AsyncClient() as browser:
        got = await browser.get(url)
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-disposition"] == 'attachment; filename="ZP-2026-000001-1.jpg"'
    assert got.headers.get("cache-control") == "private, no-store", dict(got.headers)


async def test_the_embedded_link_says_the_same(app_client: httpx.AsyncClient, ctx: object) -> None:
    from backend.context import Context
    from backend.media.service import get_store

    assert isinstance(ctx, Context)
    store = get_store(ctx)
    assert isinstance(store, LocalStore)
    photo, key = jpeg_with_exif(), f"2026/12/06/{uuid.uuid4()}"
    await store.put(key, photo, "image/jpeg")
    url = await store.download_url(key, "image/jpeg", "ZP-2026-000001-1.jpg")
    got = await app_client.get(url.split("127.0.0.1:8000", 1)[1])
    assert got.status_code == 200 and got.content == photo
    assert got.headers.get("cache-control") == "private, no-store"
