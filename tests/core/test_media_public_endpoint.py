"""S3 links name the address clients reach (ZAN_S3_PUBLIC_ENDPOINT_URL), not the one the service uses.

In compose the service reaches MinIO as http://minio:9000, a name no phone or browser resolves. Here the loopback
S3 fake plays both: the service talks to it as 127.0.0.1, clients as localhost.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from backend.context import Context, build_context
from backend.media.service import get_store
from tests.conftest import s3_settings
from tests.fakes.s3 import S3Bucket

pytestmark = pytest.mark.anyio


@pytest.fixture
async def ctx(sqlite_url: str, tmp_path: Path, s3_bucket: S3Bucket) -> AsyncIterator[Context]:
    internal = s3_bucket.client_kwargs["endpoint_url"]
    assert "127.0.0.1" in internal
    public = internal.replace("127.0.0.1", "localhost")
    context = build_context(s3_settings(sqlite_url, tmp_path, s3_bucket, s3_public_endpoint_url=public),
                            null_pool=True)
    yield context
    await context.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def test_links_are_signed_for_the_public_endpoint(ctx: Context) -> None:
    public, internal = ctx.settings.s3_public_endpoint_url, ctx.settings.s3_endpoint_url
    assert public and internal and public != internal
    store = get_store(ctx)
    body = b"\xff\xd8\xff" + uuid.uuid4().bytes * 64
    key = f"test/{uuid.uuid4().hex}.jpg"

    upload = await store.presign(key, "image/jpeg", len(body), str(uuid.uuid4()))
    assert _origin(upload.url) == public
    async with httpx.AsyncClient() as client:  # the client uploads to the address it was given
        response = await client.post(upload.url, data=upload.fields, files={"file": ("p.jpg", body, "image/jpeg")})
        assert response.status_code in (200, 204), response.text
        # the service reads it back through its own address
        stored = await store.inspect(key)
        assert stored is not None and stored.size == len(body)

        link = await store.download_url(key, "image/jpeg", "p.jpg")
        assert _origin(link) == public
        assert "host" in parse_qs(urlsplit(link).query)["X-Amz-SignedHeaders"][0].split(";")  # SigV4 signs the host
        download = await client.get(link)
        assert download.status_code == 200 and download.content == body


async def test_without_a_public_endpoint_links_use_the_service_endpoint(sqlite_url: str, tmp_path: Path,
                                                                        s3_bucket: S3Bucket) -> None:
    context = build_context(s3_settings(sqlite_url, tmp_path, s3_bucket), null_pool=True)
    try:
        upload = await get_store(context).presign("test/x.jpg", "image/jpeg", 10, str(uuid.uuid4()))
        assert _origin(upload.url) == s3_bucket.client_kwargs["endpoint_url"]
    finally:
        await context.close()
