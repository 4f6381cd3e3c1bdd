"""An anonymous report's files reach staff only without their author's metadata: through the real intake, the
outbox job and the attachments endpoint, on the local store (both databases) and on S3 (moto on loopback, boto3)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.context import Context, build_context
from backend.media.models import Media
from backend.media.service import get_store
from backend.partners.service import create as create_partner
from tests.conftest import _truncate, s3_settings
from tests.core.factories import make_report
from tests.fakes.s3 import S3Bucket
from tests.helpers import PartnerClient, eventually, jpeg_with_exif, make_iin, sha256_hex
from tests.media.identity import identity_jpeg, leaks
from tests.media.recordings import ogg_page, packets, recording
from tests.media.test_media import keyed, upload_local
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
DRUGS = "У подъезда дома 12 по Кенесары каждый вечер продают наркотики, закладки прячут в клумбе"
Fetch = Callable[[str], Awaitable[bytes]]


async def _photo(citizen: PartnerClient, data: bytes) -> str:
    created = (await citizen.post("/api/v1/media", {"content_type": "image/jpeg", "size": len(data),
                                                    "sha256": sha256_hex(data)}, headers=keyed())).json()
    sent = await upload_local(citizen.http, created, data)
    assert sent.status_code in (200, 204), sent.text
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    return str(created["id"])


async def _attachments(client: httpx.AsyncClient, console: dict[str, str], report_id: str) -> list[dict[str, Any]]:
    listed = await client.get(f"/api/v1/dispatch/reports/{report_id}/attachments", headers=console)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def _linked(client: httpx.AsyncClient, console: dict[str, str], report_id: str) -> list[dict[str, Any]]:
    """The attachments once the scrub job has run (it runs in the app's outbox relay)."""
    items: list[dict[str, Any]] = []

    async def ready() -> bool:
        nonlocal items
        items = await _attachments(client, console, report_id)
        return all(item["url"] or item["withheld"] not in (None, "preparing") for item in items)

    await eventually(ready)
    return items


async def _console(ctx: Context, client: httpx.AsyncClient) -> dict[str, str]:
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    return bearer(await login(client, dispatcher.badge_number, password))


async def _anonymous_photo_reaches_staff_scrubbed(ctx: Context, client: httpx.AsyncClient, citizen: PartnerClient,
                                                  fetch: Fetch) -> None:
    photo = identity_jpeg()
    report = await citizen.submit(DRUGS, anonymous=True, category="drugs", media_ids=[await _photo(citizen, photo)])
    assert report.status_code == 201, report.text
    named_photo = jpeg_with_exif()
    named = await citizen.submit("Разбили стекло машины во дворе, фото прилагаю",
                                 media_ids=[await _photo(citizen, named_photo)])
    console = await _console(ctx, client)

    [item] = await _linked(client, console, report.json()["id"])
    served = await fetch(item["url"])
    # the copy's own hash and size: the original's would name the author's file wherever else it turns up
    assert item["withheld"] is None and (item["sha256"], item["size"]) == (sha256_hex(served), len(served))
    assert item["sha256"] != sha256_hex(photo)
    assert leaks(photo) and leaks(served) == []
    assert b"2026:11:20 21:15:03" in served and b"shot by" not in served  # the time stays, the comment goes
    # the original is kept in the store untouched (it is what the sha256 proves)
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(item["id"]))
        assert media is not None and media.scrub == "done" and media.scrubbed_key != media.storage_key
    stored = await get_store(ctx).inspect(media.storage_key)
    assert stored is not None and stored.sha256 == sha256_hex(photo)

    # a report with its author's name on it: staff get the file as it was sent
    [plain] = await _attachments(client, console, named.json()["id"])
    assert await fetch(plain["url"]) == named_photo and plain["sha256"] == sha256_hex(named_photo)


async def test_anonymous_photo_on_the_local_store(ctx: Context, app_client: httpx.AsyncClient,
                                                  citizen: PartnerClient) -> None:
    async def fetch(url: str) -> bytes:
        got = await app_client.get(url.split("127.0.0.1:8000", 1)[1])
        assert got.status_code == 200, got.text
        return got.content

    await _anonymous_photo_reaches_staff_scrubbed(ctx, app_client, citizen, fetch)


async def test_anonymous_photo_on_s3(pg_url: str, tmp_path: Path, s3_bucket: S3Bucket) -> None:
    settings = s3_settings(pg_url, tmp_path, s3_bucket)
    ctx = build_context(settings, null_pool=True)
    await _truncate(ctx)
    async with ctx.sessions() as session:
        partner = await create_partner(session=session, secret_key=settings.secret_key, name="egov-anon")
    app = create_app(ctx=ctx)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as client, \
                httpx.AsyncClient() as direct:
            async def fetch(url: str) -> bytes:
                assert url.startswith(s3_bucket.client_kwargs["endpoint_url"])
                got = await direct.get(url)
                assert got.status_code == 200, got.text
                return got.content

            citizen = PartnerClient(client, str(partner.id), partner.secret, make_iin(9))
            await _anonymous_photo_reaches_staff_scrubbed(ctx, client, citizen, fetch)
    finally:
        await ctx.close()


async def test_files_without_a_copy_are_withheld_until_one_is_made(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Files attached before copies existed are queued by the first staff request; a file with no scrubber for its
    content (an Ogg stream of Speex) is never handed out."""
    photo, video = identity_jpeg(), recording("webm", "libopus", "libvpx")
    speex = ogg_page(7, 0, b"Speex   1.2" + bytes(69), flags=0x02)
    files = (("photo", "image/jpeg", photo), ("video", "video/webm", video), ("audio", "audio/ogg", speex))
    async with ctx.sessions() as session:
        report = await make_report(session, anonymous=True, category="drugs", text=DRUGS)
        media = [Media(report_id=report.id, kind=kind, content_type=content_type, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), storage_key=f"test/{uuid.uuid4()}", status="ready")
                 for kind, content_type, data in files]
        session.add_all(media)
        await session.commit()
    for row, (_, _, data) in zip(media, files, strict=True):
        await get_store(ctx).put(row.storage_key, data, row.content_type)
    console = await _console(ctx, app_client)

    first = await _attachments(app_client, console, str(report.id))
    assert [(i["url"], i["withheld"], i["sha256"], i["size"]) for i in first] == [(None, "preparing", None, None)] * 3
    done = await _linked(app_client, console, str(report.id))
    assert [(i["kind"], i["url"] is not None, i["withheld"]) for i in done] == [
        ("photo", True, None), ("video", True, None), ("audio", False, "unsupported")]
    for item in done[:2]:
        got = await app_client.get(item["url"].split("127.0.0.1:8000", 1)[1])
        assert got.status_code == 200 and leaks(got.content) == []
        assert (item["sha256"], item["size"]) == (sha256_hex(got.content), len(got.content))
    assert (done[2]["sha256"], done[2]["size"]) == (None, None)
    assert packets(got.content) == packets(video)
    assert await get_store(ctx).inspect(media[2].storage_key) is not None  # kept, only not handed out
