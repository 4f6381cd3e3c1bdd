"""Media: declared limits, the embedded signed upload, the real boto3 presigned POST to loopback S3, EXIF."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.context import Context, build_context
from backend.media.models import Media
from backend.media.service import get_store
from tests.conftest import _truncate, s3_settings
from tests.fakes.s3 import S3Bucket, post_policy
from tests.helpers import PartnerClient, jpeg_with_exif, make_iin, sha256_hex

pytestmark = pytest.mark.anyio
MB = 1024 * 1024


def keyed(key: str | None = None) -> dict[str, str]:
    """The Idempotency-Key every POST /api/v1/media must carry: a fresh one unless a retry is meant."""
    return {"Idempotency-Key": key or str(uuid.uuid4())}


async def declare(citizen: PartnerClient, data: bytes, content_type: str = "image/jpeg",
                  size: int | None = None, digest: str | None = None, key: str | None = None) -> httpx.Response:
    return await citizen.post("/api/v1/media", {"content_type": content_type, "size": size or len(data),
                                                "sha256": digest or sha256_hex(data)}, headers=keyed(key))


def pointers(problem: httpx.Response) -> list[tuple[str, str]]:
    """(pointer, code) of each of a problem's errors[]: what the app has to fix."""
    return [(item["pointer"], item["code"]) for item in problem.json().get("errors", [])]


async def upload_local(http: httpx.AsyncClient, created: dict[str, Any], data: bytes) -> httpx.Response:
    """Send a declared file as its client would: the app's own signed PUT (embedded mode), or S3's presigned POST."""
    upload = created["upload"]
    if upload["method"] == "PUT":
        path = upload["url"].split("127.0.0.1:8000", 1)[1]
        return await http.put(path, content=data, headers=upload["headers"])
    async with httpx.AsyncClient() as direct:
        return await direct.post(upload["url"], data=upload["fields"], files={"file": ("f", data, "image/jpeg")})


@pytest.mark.parametrize(("content_type", "size", "code", "status"), [
    ("image/jpeg", 10 * MB + 1, "media.too_large", 413),
    ("video/mp4", 100 * MB + 1, "validation.failed", 422),  # beyond any kind: rejected by the schema
    ("audio/mpeg", 20 * MB + 1, "media.too_large", 413),
    ("application/x-msdownload", 1000, "media.type_not_allowed", 422),
])
async def test_declared_limits(citizen: PartnerClient, content_type: str, size: int, code: str, status: int) -> None:
    response = await citizen.post("/api/v1/media", {"content_type": content_type, "size": size, "sha256": "a" * 64},
                                  headers=keyed())
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


async def test_within_limits_are_accepted(citizen: PartnerClient) -> None:
    for content_type, size in (("image/jpeg", 10 * MB), ("video/mp4", 100 * MB), ("audio/mpeg", 20 * MB)):
        response = await citizen.post("/api/v1/media", {"content_type": content_type, "size": size,
                                                        "sha256": "b" * 64}, headers=keyed())
        assert response.status_code == 201, response.text


async def test_local_upload_complete_and_attach_with_exif(citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    facts = done.json()
    assert facts["status"] == "ready" and facts["kind"] == "photo"
    assert abs(facts["lat"] - 51.1605) < 1e-3 and abs(facts["lon"] - 71.4704) < 1e-3
    assert datetime.fromisoformat(facts["taken_at"]).isoformat().startswith("2026-11-20T21:15:03")
    report = (await citizen.submit("Разбили стекло машины, фото прилагаю", media_ids=[created["id"]])).json()
    assert [m["id"] for m in report["media"]] == [created["id"]]
    # a file can belong to one report only
    again = await citizen.submit("Ещё раз то же фото", media_ids=[created["id"]])
    assert again.status_code == 409 and again.json()["code"] == "media.already_attached"


async def test_a_retry_with_photos_gets_its_report_back(citizen: PartnerClient) -> None:
    """The retry finds its photos attached, to the very report it asks about: the stored answer, not a conflict."""
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    await upload_local(citizen.http, created, photo)
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    first = await citizen.submit("Разбили стекло машины, фото прилагаю", media_ids=[created["id"]], key="photo-1")
    retry = await citizen.submit("Разбили стекло машины, фото прилагаю", media_ids=[created["id"]], key="photo-1")
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json() and [m["id"] for m in retry.json()["media"]] == [created["id"]]
    other = await citizen.submit("Другой текст, то же фото", media_ids=[created["id"]], key="photo-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"


async def test_checksum_and_type_are_verified(citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    liar = (await declare(citizen, photo, digest="c" * 64)).json()
    await upload_local(citizen.http, liar, photo)
    bad = await citizen.post(f"/api/v1/media/{liar['id']}/complete")
    assert bad.status_code == 422 and bad.json()["code"] == "media.checksum_mismatch"
    exe = b"MZ\x90\x00" + b"\x00" * 100
    fake = (await declare(citizen, exe, content_type="image/png")).json()
    await upload_local(citizen.http, fake, exe)
    wrong = await citizen.post(f"/api/v1/media/{fake['id']}/complete")
    assert wrong.status_code == 422 and wrong.json()["code"] == "media.type_not_allowed"


async def test_upload_link_is_signed_and_bound(citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    created["upload"]["url"] = created["upload"]["url"].replace("token=", "token=x")
    forged = await upload_local(citizen.http, created, photo)
    assert forged.json()["code"] == "media.upload_token_invalid" and pointers(forged) == [("#query/token", "invalid")]
    other = (await declare(citizen, photo)).json()
    swapped = dict(other, upload=dict(other["upload"], url=other["upload"]["url"].replace(other["id"], created["id"])))
    misused = await upload_local(citizen.http, swapped, photo)
    assert misused.status_code == 403 and pointers(misused) == [("#query/token", "invalid")]
    oversize = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, oversize, photo + b"x" * 10)).status_code == 413


async def test_a_file_stored_at_its_own_key_still_completes(ctx: Context, citizen: PartnerClient) -> None:
    """Where the server stores a file itself (the Telegram bot), or a client uploaded it before uploads had a key
    of their own, the file is verified where it is."""
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(created["id"]))
        assert media is not None
    await get_store(ctx).put(media.storage_key, photo, "image/jpeg")
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["sha256"] == sha256_hex(photo), done.text
    stored = await get_store(ctx).inspect(media.storage_key)
    assert stored is not None and stored.sha256 == sha256_hex(photo)


async def test_completion_before_upload_and_foreign_media(citizen: PartnerClient,
                                                          other_citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    early = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert early.status_code == 409 and early.json()["code"] == "media.not_uploaded"
    assert (await other_citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 404
    await upload_local(citizen.http, created, photo)
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    stolen = await other_citizen.submit("Чужое фото", media_ids=[created["id"]])
    assert stolen.status_code == 422 and stolen.json()["errors"][0]["pointer"] == "/media_ids/0"


async def test_at_most_five_files_per_report(citizen: PartnerClient) -> None:
    ids = [str(uuid.uuid4()) for _ in range(6)]
    response = await citizen.submit("Много фото", media_ids=ids)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/media_ids"


@pytest.fixture
async def s3_client(pg_url: str, tmp_path: Path, s3_bucket: S3Bucket) -> AsyncIterator[tuple[PartnerClient, S3Bucket]]:
    """The app in production media mode (S3 through boto3) on PostgreSQL."""
    settings = s3_settings(pg_url, tmp_path, s3_bucket)
    ctx: Context = build_context(settings, null_pool=True)
    await _truncate(ctx)
    from backend.partners.service import create

    async with ctx.sessions() as session:
        partner = await create(session=session, secret_key=settings.secret_key, name=f"halyk-{uuid.uuid4().hex[:6]}")
    app = create_app(ctx=ctx)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://zan.test") as http:
        yield PartnerClient(http, str(partner.id), partner.secret, make_iin(7)), s3_bucket
    await ctx.close()


async def test_real_boto3_upload_to_loopback_s3(s3_client: tuple[PartnerClient, S3Bucket]) -> None:
    citizen, bucket = s3_client
    photo = jpeg_with_exif(taken="2026:10:01 08:00:00")
    created = (await declare(citizen, photo)).json()
    upload = created["upload"]
    assert upload["method"] == "POST" and upload["url"].startswith(bucket.client_kwargs["endpoint_url"])
    policy = post_policy(upload["fields"])
    conditions = policy["conditions"]
    assert ["content-length-range", len(photo), len(photo)] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    posted = await upload_local(citizen.http, created, photo)
    assert posted.status_code in (200, 204), posted.text
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["taken_at"].startswith("2026-10-01T")
    # what landed in the bucket is exactly what was declared
    key = bucket.client().list_objects_v2(Bucket=bucket.name)["Contents"]
    assert any(obj["Size"] == len(photo) for obj in key)


async def test_s3_object_that_differs_from_declaration_is_refused(s3_client: tuple[PartnerClient, S3Bucket]) -> None:
    citizen, _bucket = s3_client
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    bigger = photo + b"\x00" * 1000  # moto does not enforce content-length-range; our completion check does
    await upload_local(citizen.http, created, bigger)
    refused = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "media.size_mismatch"


async def test_a_store_outage_at_completion_is_a_503_and_the_declaration_waits(
        s3_client: tuple[PartnerClient, S3Bucket]) -> None:
    citizen, bucket = s3_client
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    s3 = bucket.client()
    s3.delete_bucket(Bucket=bucket.name)  # the store refuses every call, as in an outage
    down = await citizen.post(f"/api/v1/media/{created['id']}/complete", headers={"Accept-Language": "kk"})
    assert down.status_code == 503 and down.headers["retry-after"] == "5"
    assert down.json()["code"] == "media.store_unavailable" and "қойма" in down.json()["title"]
    s3.create_bucket(Bucket=bucket.name)  # back: the same declaration completes, nothing to start over
    posted = await upload_local(citizen.http, created, photo)
    assert posted.status_code in (200, 204)
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready"


async def test_health_reports_the_media_store(pg_url: str, tmp_path: Path, s3_bucket: S3Bucket) -> None:
    settings = s3_settings(pg_url, tmp_path, s3_bucket)
    ctx = build_context(settings, null_pool=True)
    app = create_app(ctx=ctx)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as http:
            up = (await http.get("/health")).json()
            assert up["status"] == "ok" and up["media"]["ok"] is True and up["media"]["backend"] == "s3"
            s3_bucket.client().delete_bucket(Bucket=s3_bucket.name)
            ctx.extras.pop("health_media")  # probes within 15 s reuse the last answer; this one asks S3 again
            down = await http.get("/health")
            # files wait on the phones, reports are still taken: degraded, not down
            assert down.status_code == 200 and down.json()["status"] == "degraded"
            assert down.json()["media"] == {"ok": False, "backend": "s3", "error": "StoreUnavailable"}
    finally:
        await ctx.close()
