"""Uploads and their completion, found by the 2026-12-05 audit; each test failed before the fix of the defect it names.

An embedded upload link takes exactly the declared size, refused before the body is read when it is announced
otherwise and the moment it runs longer, never buffered whole; a completion holds a lease on the file, not a row
lock, while it copies and reads the upload; a refused file stays refused; magic bytes are checked whole.
"""

from __future__ import annotations

import asyncio
import io
import uuid
import wave
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from backend.app import create_app
from backend.context import Context, build_context
from backend.lib.clock import utcnow
from backend.media import cleanup as media_cleanup
from backend.media import service as media_service
from backend.media.models import Media
from backend.media.storage import LocalStore
from tests.conftest import _truncate, s3_settings
from tests.fakes.s3 import S3Bucket
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, jpeg_with_exif, make_iin, sha256_hex
from tests.media.test_media import declare, pointers, upload_local

pytestmark = pytest.mark.anyio
KB = 1024


# -- 1. the embedded upload buffered the whole body (up to 100 MB) before comparing it with the declared size --------
class CountedBody:
    """A request body sent a chunk at a time, counting how many chunks the server asked for."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def _small_photo() -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes(KB - 4)


async def _put(citizen: PartnerClient, created: dict[str, Any], body: CountedBody,
               content_length: int | None) -> httpx.Response:
    upload = created["upload"]
    headers = dict(upload["headers"])
    if content_length is not None:  # an explicit Content-Length: httpx then sends the stream as it is, unchunked
        headers["Content-Length"] = str(content_length)
    path = upload["url"].split("127.0.0.1:8000", 1)[1]
    return await citizen.http.put(path, content=body, headers=headers)


async def _upload_dir(ctx: Context, media_id: str) -> tuple[Path, Path]:
    """Where the embedded upload of `media_id` lands, and the directory it (and any temporary file) would be in."""
    store = media_service.get_store(ctx)
    assert isinstance(store, LocalStore)
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(media_id))
        assert media is not None
    path = store.path(media_service.upload_key(media.storage_key))
    return path, path.parent


def _files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.parametrize(("announced", "status"), [(50 * 1024 * KB, 413), (KB // 2, 422)],
                         ids=["larger", "smaller"])
async def test_a_body_announced_at_another_size_is_refused_unread(ctx: Context, citizen: PartnerClient,
                                                                  announced: int, status: int) -> None:
    created = (await declare(citizen, _small_photo())).json()
    body = CountedBody([b"\xff" * (64 * KB)] * 16)
    refused = await _put(citizen, created, body, announced)
    assert refused.status_code == status and refused.json()["code"] == "media.size_mismatch", refused.text
    assert pointers(refused) == [("#header/Content-Length", "invalid")]
    assert body.pulled == 0  # not a byte of it was taken in
    _, directory = await _upload_dir(ctx, created["id"])
    assert _files_in(directory) == []


async def test_a_body_without_a_length_is_refused_unread(ctx: Context, citizen: PartnerClient) -> None:
    photo = _small_photo()
    created = (await declare(citizen, photo)).json()
    body = CountedBody([photo])  # the right bytes, but chunked: how long it is would be known only once read
    refused = await _put(citizen, created, body, None)
    assert refused.status_code == 411 and refused.json()["code"] == "media.length_required", refused.text
    assert pointers(refused) == [("#header/Content-Length", "required")]
    assert body.pulled == 0
    en = await citizen.http.put(created["upload"]["url"].split("127.0.0.1:8000", 1)[1], content=CountedBody([photo]),
                                headers={**created["upload"]["headers"], "Accept-Language": "en"})
    assert en.json()["title"] == "Send the file's size in the Content-Length header"


async def test_a_body_longer_than_its_length_is_refused_as_soon_as_it_runs_over(ctx: Context,
                                                                               citizen: PartnerClient) -> None:
    """Content-Length says the declared size and the body goes on (an ASGI server holds a client to its length;
    the app does not count on it): refused at the first chunk past the size, and nothing is left on disk."""
    photo = _small_photo()
    created = (await declare(citizen, photo)).json()
    body = CountedBody([photo] + [b"\xff" * (64 * KB)] * 100)
    refused = await _put(citizen, created, body, len(photo))
    assert refused.status_code == 413 and refused.json()["code"] == "media.size_mismatch", refused.text
    assert body.pulled == 2  # the declared kilobyte, then the chunk that ran past it: not the 6 MB behind
    path, directory = await _upload_dir(ctx, created["id"])
    assert not path.exists() and _files_in(directory) == []  # no upload, and no temporary file either
    # the link still works for the right bytes, and they complete
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    assert _files_in(directory) == [path.name]
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_a_body_shorter_than_its_length_leaves_nothing(ctx: Context, citizen: PartnerClient) -> None:
    photo = _small_photo()
    created = (await declare(citizen, photo)).json()
    refused = await _put(citizen, created, CountedBody([photo[:100], photo[100:500]]), len(photo))
    assert refused.status_code == 422 and refused.json()["code"] == "media.size_mismatch", refused.text
    _, directory = await _upload_dir(ctx, created["id"])
    assert _files_in(directory) == []


async def test_a_body_streamed_in_many_chunks_arrives_whole(ctx: Context, citizen: PartnerClient) -> None:
    photo = jpeg_with_exif() + bytes(3 * 1024 * KB)  # past the server's write batch: written in several
    created = (await declare(citizen, photo)).json()
    chunks = [photo[at:at + 7 * KB] for at in range(0, len(photo), 7 * KB)]
    assert (await _put(citizen, created, CountedBody(chunks), len(photo))).status_code == 204
    path, directory = await _upload_dir(ctx, created["id"])
    assert path.read_bytes() == photo and _files_in(directory) == [path.name]


# -- 2. a completion held a row lock (and a pooled connection in a transaction) while copying and hashing --------
@pytest.fixture
async def gated_s3(pg_url: str, tmp_path: Path,
                   s3_bucket: S3Bucket) -> AsyncIterator[tuple[PartnerClient, Context, TcpProxy, S3Bucket]]:
    """The app in production media mode on PostgreSQL, its S3 reached through a gate the test can shut."""
    real = urlsplit(s3_bucket.client_kwargs["endpoint_url"])
    assert real.hostname is not None and real.port is not None
    proxy = TcpProxy(real.hostname, real.port)
    gated = S3Bucket(s3_bucket.name, {**s3_bucket.client_kwargs, "endpoint_url": "http://" + await proxy.start()})
    ctx = build_context(s3_settings(pg_url, tmp_path, gated), null_pool=True)
    await _truncate(ctx)
    from backend.partners.service import create

    async with ctx.sessions() as session:
        partner = await create(session=session, secret_key=ctx.settings.secret_key,
                               name=f"halyk-{uuid.uuid4().hex[:6]}")
    app = create_app(ctx=ctx)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as http:
            yield PartnerClient(http, str(partner.id), partner.secret, make_iin(7)), ctx, proxy, s3_bucket
    finally:
        await proxy.close()
        await ctx.close()


async def _uploaded(citizen: PartnerClient, photo: bytes) -> dict[str, Any]:
    created: dict[str, Any] = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code in (200, 204)
    return created


async def test_a_completion_holds_no_row_lock_while_it_reads_the_store(
        gated_s3: tuple[PartnerClient, Context, TcpProxy, S3Bucket]) -> None:
    citizen, ctx, proxy, _ = gated_s3
    created = await _uploaded(citizen, jpeg_with_exif())
    proxy.shut()
    completing = asyncio.create_task(citizen.post(f"/api/v1/media/{created['id']}/complete"))
    try:
        await asyncio.wait_for(proxy.held.wait(), 30)  # the completion is at the store, copying the upload
        async with ctx.sessions() as session:
            try:  # any other request for the file (a report claiming it, the purge) gets its row at once
                media = (await session.scalars(select(Media).where(Media.id == uuid.UUID(created["id"]))  # type: ignore[arg-type]
                                               .with_for_update(nowait=True))).one()
                locked = False
            except DBAPIError:
                locked = True
            await session.commit()
        assert not locked, "the file's row stays locked while the completion copies and reads 100 MB from S3"
        # what holds the file meanwhile is a lease on it, in the database
        assert media.status == "pending" and media.completed_at is not None and media.completed_at > utcnow()
    finally:
        proxy.open()
        done = await completing
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_concurrent_completions_answer_one_outcome(
        gated_s3: tuple[PartnerClient, Context, TcpProxy, S3Bucket]) -> None:
    """A client retrying a completion while the first is still at the store waits for its outcome (the lease), and
    both get the verified file, which is what the store holds."""
    citizen, _, proxy, bucket = gated_s3
    photo = jpeg_with_exif()
    created = await _uploaded(citizen, photo)
    url = f"/api/v1/media/{created['id']}/complete"
    proxy.shut()
    first = asyncio.create_task(citizen.post(url))
    try:
        await asyncio.wait_for(proxy.held.wait(), 30)
        second = asyncio.create_task(citizen.post(url))
        await asyncio.sleep(0.5)  # time for the second to find the lease (what is asserted holds either way)
    finally:
        proxy.open()
    answers = [await first, await second]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    first_body, second_body = (a.json() for a in answers)
    # the same instant, though written with the photo's own offset by the one that read it, in UTC by the other
    assert datetime.fromisoformat(first_body.pop("taken_at")) == datetime.fromisoformat(second_body.pop("taken_at"))
    assert first_body == second_body and first_body["sha256"] == sha256_hex(photo)
    s3 = bucket.client()
    [stored] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket.name)["Contents"]
                if not o["Key"].startswith(media_service.UPLOAD_PREFIX)]
    assert s3.get_object(Bucket=bucket.name, Key=stored)["Body"].read() == photo


async def _set(ctx: Context, media_id: str, **values: Any) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == uuid.UUID(media_id)).values(**values))  # type: ignore[arg-type]
        await session.commit()


async def _row(ctx: Context, media_id: str) -> Media:
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(media_id))
        assert media is not None
        return media


async def test_a_lease_that_ran_out_is_taken_over_and_a_failed_completion_leaves_none(
        ctx: Context, citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    early = await citizen.post(f"/api/v1/media/{created['id']}/complete")  # nothing uploaded yet
    assert early.status_code == 409 and early.json()["code"] == "media.not_uploaded"
    assert (await _row(ctx, created["id"])).completed_at is None  # its lease was given back
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    # a completion took the file and died (its process gone): once its lease has run out, another one completes
    await _set(ctx, created["id"], completed_at=utcnow() - timedelta(seconds=1))
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    assert (await _row(ctx, created["id"])).completed_at is not None


async def test_the_purge_leaves_a_file_being_verified_to_its_completion(ctx: Context, citizen: PartnerClient) -> None:
    """The purge no longer finds such a file locked: it sees its lease."""
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    await _set(ctx, created["id"], created_at=utcnow() - timedelta(days=2),
               completed_at=utcnow() + timedelta(minutes=1))
    assert await media_cleanup.purge_unused(ctx) == 0
    await _set(ctx, created["id"], completed_at=utcnow() - timedelta(seconds=1))  # the completion died long ago
    assert await media_cleanup.purge_unused(ctx) == 1


# -- 4. a refused file completed again over S3 (its presigned POST still valid) turned ready -------------------------
async def test_a_refused_file_cannot_be_completed_again(
        gated_s3: tuple[PartnerClient, Context, TcpProxy, S3Bucket]) -> None:
    citizen, ctx, _, _ = gated_s3
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    await upload_local(citizen.http, created, b"\xff\xd8\xff" + bytes(len(photo) - 3))
    refused = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "media.checksum_mismatch"
    # S3 cannot refuse the same presigned POST: the right bytes arrive after all
    assert (await upload_local(citizen.http, created, photo)).status_code in (200, 204)
    again = await citizen.post(f"/api/v1/media/{created['id']}/complete", headers={"Accept-Language": "kk"})
    assert again.status_code == 409 and again.json()["code"] == "media.upload_closed", again.text
    assert "қайта мәлімдеп" in again.json()["title"]
    assert (await _row(ctx, created["id"])).status == "rejected"
    # the way on is a new declaration
    fresh = await _uploaded(citizen, photo)
    assert (await citizen.post(f"/api/v1/media/{fresh['id']}/complete")).json()["status"] == "ready"


# -- 5. magic bytes: WebP checked only "WEBP" at 8 (not "RIFF" at 0), WAV any RIFF file ------------------------------
def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="WEBP")
    return out.getvalue()


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(800))
    return out.getvalue()


@pytest.mark.parametrize(("content_type", "head", "ok"), [
    ("image/webp", _webp(), True),
    ("image/webp", b"MZ\x90\x00\x03\x00\x00\x00WEBPVP8 " + bytes(20), False),  # anything with WEBP at 8
    ("audio/wav", _wav(), True),
    ("audio/wav", b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(20), False),  # a RIFF file, but a video
    ("audio/wav", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(20), False),
    ("image/webp", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(20), False),
])
def test_every_magic_of_a_type_must_be_there(content_type: str, head: bytes, ok: bool) -> None:
    assert media_service.sniff_ok(content_type, head) is ok


async def test_a_file_with_webp_at_8_only_is_refused(citizen: PartnerClient) -> None:
    exe = b"MZ\x90\x00" + bytes(4) + b"WEBP" + bytes(200)
    created = (await declare(citizen, exe, content_type="image/webp")).json()
    assert (await upload_local(citizen.http, created, exe)).status_code == 204
    refused = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "media.type_not_allowed", refused.text
