"""Field evidence end to end over HTTP: a tablet declares a file in a push, uploads it in resumable chunks (staged in
the database, so each chunk may reach another API replica), the bytes are verified and moved to the media store, and
staff open them, with the citizen's own photos, through short-lived audited links. Local store on both databases;
S3 (moto on loopback, real boto3) with two API replicas and a store outage on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.media.models import Media
from backend.media.service import get_store
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.settings import Settings
from backend.sync.models import EvidenceChunk
from tests.conftest import _truncate, make_settings
from tests.core.factories import make_report
from tests.fakes.s3 import S3Bucket
from tests.helpers import serving
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import uuid7

pytestmark = pytest.mark.anyio

VIDEO = b"\x00\x00\x00\x18ftypmp42" + os.urandom(300_000)


@dataclass
class Scene:
    report_id: str
    number: str
    tablet: dict[str, str]
    device_id: str
    dispatcher: dict[str, str]


async def assigned_by_console(ctx: Context, client: httpx.AsyncClient, unit: Unit) -> tuple[Report, dict[str, str]]:
    """A new report in triage, assigned to `unit` by a dispatcher over HTTP; and that dispatcher's headers."""
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(client, dispatcher.badge_number, dpw))
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, department="patrol_police")
        await session.commit()
    assigned = await client.post(f"/api/v1/dispatch/reports/{report.id}/assign", json={"unit_id": str(unit.id)},
                                 headers=console)
    assert assigned.status_code == 200, assigned.text
    return report, console


async def _scene(ctx: Context, client: httpx.AsyncClient) -> Scene:
    """A report assigned (by a dispatcher, over HTTP) to a unit whose officer is logged in on a tablet."""
    unit = await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit)
    device_id = f"tab-{uuid.uuid4().hex[:8]}"
    tablet = bearer(await login(client, officer.badge_number, pw, device_id))
    report, console = await assigned_by_console(ctx, client, unit)
    return Scene(str(report.id), report.number, tablet, device_id, console)


async def _declare(client: httpx.AsyncClient, scene: Scene, data: bytes, *, sha: str | None = None,
                   content_type: str = "video/mp4") -> dict[str, Any]:
    mutation = {"mutation_id": uuid.uuid4().hex, "entity": "evidence", "id": uuid7(), "op": "create",
                "hlc": "0000000000001-00001-tab",
                "fields": {"report_id": scene.report_id, "sha256": sha or hashlib.sha256(data).hexdigest(),
                           "size": len(data), "content_type": content_type, "caption": "Регистратор, 21:15"}}
    pushed = await client.post("/api/v1/sync/push", json={"device_id": scene.device_id, "mutations": [mutation]},
                               headers=scene.tablet)
    assert pushed.status_code == 200, pushed.text
    result: dict[str, Any] = pushed.json()["results"][0]
    assert result["status"] == "applied" and result["upload_complete"] is False, result
    return result


def _chunks(data: bytes, size: int) -> Iterator[tuple[int, bytes]]:
    for offset in range(0, len(data), size):
        yield offset, data[offset:offset + size]


async def _put(client: httpx.AsyncClient, scene: Scene, sha: str, offset: int, chunk: bytes) -> httpx.Response:
    return await client.put(f"/api/v1/sync/evidence/{sha}?offset={offset}", content=chunk, headers=scene.tablet)


async def _staged(ctx: Context, sha: str) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(EvidenceChunk)
                                        .where(EvidenceChunk.sha256 == sha)) or 0)  # type: ignore[arg-type]


def _local_path(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


async def test_chunked_upload_then_staff_open_the_files(app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    sha = hashlib.sha256(VIDEO).hexdigest()
    await _declare(app_client, scene, VIDEO)
    status = await app_client.get(f"/api/v1/sync/evidence/{sha}", headers=scene.tablet)
    assert status.json() == {"sha256": sha, "size": len(VIDEO), "received": 0, "complete": False}

    parts = list(_chunks(VIDEO, 128 * 1024))
    first = await _put(app_client, scene, sha, *parts[0])
    assert first.json()["received"] == len(parts[0][1]) and first.json()["complete"] is False
    # an officer of another unit can neither see nor feed this upload (a wrong chunk would reset it)
    stranger, spw = await make_officer(ctx, unit=await make_unit(ctx))
    other = bearer(await login(app_client, stranger.badge_number, spw))
    assert (await app_client.get(f"/api/v1/sync/evidence/{sha}", headers=other)).status_code == 404
    meddled = await app_client.put(f"/api/v1/sync/evidence/{sha}?offset={len(parts[0][1])}", content=b"x" * 10,
                                   headers=other)
    assert meddled.status_code == 404 and meddled.json()["code"] == "sync.blob_not_declared"
    # a chunk sent again after a lost answer: told where to resume, nothing appended twice
    again = await _put(app_client, scene, sha, *parts[0])
    assert again.status_code == 409 and again.json()["received"] == len(parts[0][1])
    assert again.json()["code"] == "sync.blob_offset"
    for offset, chunk in parts[1:]:
        answer = await _put(app_client, scene, sha, offset, chunk)
        assert answer.status_code == 200, answer.text
    assert answer.json() == {"sha256": sha, "size": len(VIDEO), "received": len(VIDEO), "complete": True}
    assert await _staged(ctx, sha) == 0  # sealed into the store, staging dropped
    assert (await _put(app_client, scene, sha, 0, VIDEO[:10])).json()["complete"] is True  # a complete hash: no-op

    pulled = (await app_client.get("/api/v1/sync/pull", headers=scene.tablet)).json()
    [evidence] = pulled["changes"]["evidence"]["upserted"]
    assert evidence["uploaded"] is True and evidence["sha256"] == sha

    # the citizen's own photo of the same report, already verified by the media flow
    photo = b"\xff\xd8\xff\xe0" + os.urandom(2000)
    async with ctx.sessions() as session:
        media = Media(owner_citizen_id=None, report_id=uuid.UUID(scene.report_id), kind="photo",
                      content_type="image/jpeg", size=len(photo), sha256=hashlib.sha256(photo).hexdigest(),
                      storage_key=f"test/{uuid.uuid4()}", status="ready")
        session.add(media)
        await session.commit()
    await get_store(ctx).put(media.storage_key, photo, "image/jpeg")
    # the tablet's copy of the report counts the citizen's files; the links come from the attachments endpoint
    snapshot = (await app_client.get("/api/v1/sync/pull", headers=scene.tablet)).json()
    assert [r["citizen_files"] for r in snapshot["changes"]["reports"]["upserted"]] == [1]

    listed = await app_client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments", headers=scene.dispatcher)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["expires_in"] == 300
    assert [(i["source"], i["kind"], i["sha256"], i["uploaded"]) for i in body["items"]] == [
        ("citizen", "photo", media.sha256, True), ("officer", "video", sha, True)]
    assert body["items"][1]["caption"] == "Регистратор, 21:15"
    for item, data in zip(body["items"], (photo, VIDEO), strict=True):
        # a download manager asks a link's size first (HEAD), then fetches it with the same link
        asked = await app_client.head(_local_path(item["url"]))
        assert asked.status_code == 200 and asked.content == b"", asked.status_code
        assert asked.headers["content-length"] == str(len(data))
        assert asked.headers["content-disposition"].startswith("attachment")
        got = await app_client.get(_local_path(item["url"]))
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"].startswith(item["content_type"])
        assert got.headers["content-disposition"].startswith("attachment")
        assert scene.number in got.headers["content-disposition"]
        assert got.headers["x-content-type-options"] == "nosniff"
    # the assigned officer's tablet may open them too
    assert (await app_client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments",
                                 headers=scene.tablet)).status_code == 200

    async with ctx.sessions() as session:
        # in the order they were written: without ORDER BY PostgreSQL once returned the two rows the other way round
        trail = list(await session.scalars(select(AuditLog).where(
            AuditLog.action == "report.attachments", AuditLog.target_id == scene.report_id)  # type: ignore[arg-type]
            .order_by(AuditLog.at)))  # type: ignore[arg-type]
    assert [(a.actor_type, a.data["links"]) for a in trail] == [("dispatcher", 2), ("patrol_officer", 2)]

    # a link is bound to its signature; nobody else's unit sees the report's files
    forged = await app_client.get(_local_path(body["items"][1]["url"])[:-3] + "AAA",
                                  headers={"Accept-Language": "kk"})
    assert forged.status_code == 403 and forged.json()["code"] == "media.download_token_invalid"
    assert "сілтеме" in forged.json()["title"].lower() or "сілтеме" in forged.json()["detail"].lower()
    hidden = await app_client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments", headers=other)
    assert hidden.status_code == 404
    assert (await app_client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments")).status_code == 401


async def test_a_file_that_does_not_match_its_hash_starts_over(app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    sha = hashlib.sha256(VIDEO).hexdigest()
    await _declare(app_client, scene, VIDEO)
    corrupt = VIDEO[:-1] + bytes([VIDEO[-1] ^ 0xFF])
    half = len(corrupt) // 2
    assert (await _put(app_client, scene, sha, 0, corrupt[:half])).status_code == 200
    refused = await _put(app_client, scene, sha, half, corrupt[half:])
    assert refused.status_code == 422 and refused.json()["code"] == "sync.blob_hash_mismatch"
    status = (await app_client.get(f"/api/v1/sync/evidence/{sha}", headers=scene.tablet)).json()
    assert status["received"] == 0 and status["complete"] is False
    assert await _staged(ctx, sha) == 0
    # more than the declared size is refused before anything is stored
    too_big = await _put(app_client, scene, sha, 0, VIDEO + b"x")
    assert too_big.status_code == 409 and too_big.json()["size"] == len(VIDEO)
    assert (await _put(app_client, scene, sha, 0, VIDEO)).json()["complete"] is True
    listed = (await app_client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments",
                                   headers=scene.dispatcher)).json()
    assert [(i["uploaded"], i["url"] is not None) for i in listed["items"]] == [(True, True)]


# --- production layout: S3 and several API replicas --------------------------------------------------------------


def _s3_settings(pg_url: str, tmp_path: Path, bucket: S3Bucket, name: str, *, bucket_name: str | None = None
                 ) -> Settings:
    kwargs = bucket.client_kwargs
    return make_settings(pg_url, tmp_path / name, media_backend="s3", s3_endpoint_url=kwargs["endpoint_url"],
                         s3_bucket=bucket_name or bucket.name, s3_region=kwargs["region_name"],
                         s3_access_key=kwargs["aws_access_key_id"], s3_secret_key=kwargs["aws_secret_access_key"])


async def test_chunks_across_replicas_into_s3_and_a_store_outage(pg_url: str, tmp_path: Path,
                                                                  s3_bucket: S3Bucket) -> None:
    settings = _s3_settings(pg_url, tmp_path, s3_bucket, "a")
    # replica C has the same database but its store is unreachable (a bucket that does not exist answers like an
    # S3 outage would: every upload fails)
    down = _s3_settings(pg_url, tmp_path, s3_bucket, "c", bucket_name=f"gone-{uuid.uuid4().hex[:8]}")
    async with AsyncExitStack() as stack:
        ctx_a, a = await stack.enter_async_context(serving(settings))
        await _truncate(ctx_a)
        _ctx_b, b = await stack.enter_async_context(serving(settings.with_(var_dir=tmp_path / "b",
                                                                            media_dir=tmp_path / "b" / "media")))
        _ctx_c, c = await stack.enter_async_context(serving(down))
        scene = await _scene(ctx_a, a)

        # replica A gets the first chunk, replica B the rest: B seals the file into the bucket
        sha = hashlib.sha256(VIDEO).hexdigest()
        await _declare(a, scene, VIDEO)
        parts = list(_chunks(VIDEO, 100_000))
        assert (await _put(a, scene, sha, *parts[0])).status_code == 200
        for offset, chunk in parts[1:]:
            done = await _put(b, scene, sha, offset, chunk)
        assert done.json()["complete"] is True
        stored = s3_bucket.client().get_object(Bucket=s3_bucket.name, Key=f"evidence/{sha[:2]}/{sha}")["Body"].read()
        assert stored == VIDEO

        # the store is down when the last chunk of a second file arrives: the chunks stay, the tablet retries later
        audio = b"ID3" + os.urandom(150_000)
        audio_sha = hashlib.sha256(audio).hexdigest()
        await _declare(a, scene, audio, content_type="audio/mpeg")
        assert (await _put(a, scene, audio_sha, 0, audio[:50_000])).status_code == 200
        failed = await _put(c, scene, audio_sha, 50_000, audio[50_000:])
        assert failed.status_code == 503 and failed.json()["code"] == "sync.blob_store_unavailable"
        status = (await a.get(f"/api/v1/sync/evidence/{audio_sha}", headers=scene.tablet)).json()
        assert status == {"sha256": audio_sha, "size": len(audio), "received": len(audio), "complete": False}
        assert await _staged(ctx_a, audio_sha) == 2
        retried = await _put(b, scene, audio_sha, len(audio), b"")  # nothing uploaded again
        assert retried.json()["complete"] is True and await _staged(ctx_a, audio_sha) == 0

        # staff on any replica get presigned S3 links that serve exactly those bytes, as attachments
        listed = (await a.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments",
                              headers=scene.dispatcher)).json()
        assert [i["kind"] for i in listed["items"]] == ["video", "audio"]
        async with httpx.AsyncClient() as direct:
            for item, data in zip(listed["items"], (VIDEO, audio), strict=True):
                assert item["url"].startswith(s3_bucket.client_kwargs["endpoint_url"])
                got = await direct.get(item["url"])
                assert got.status_code == 200 and got.content == data
                assert got.headers["content-type"] == item["content_type"]
                assert got.headers["content-disposition"].startswith("attachment")
        # the embedded download route serves nothing in S3 mode
        assert (await a.get("/api/v1/media/files?token=x")).status_code == 404


async def test_abandoned_uploads_are_purged_by_the_scheduler(app_client: httpx.AsyncClient, ctx: Context) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from backend.jobs.registry import load_all_handlers
    from backend.jobs.scheduled import run_scheduled
    from backend.lib.clock import utcnow
    from backend.sync.models import EvidenceBlob

    scene = await _scene(ctx, app_client)
    old, fresh = VIDEO, b"ID3" + os.urandom(50_000)
    old_sha, fresh_sha = hashlib.sha256(old).hexdigest(), hashlib.sha256(fresh).hexdigest()
    await _declare(app_client, scene, old)
    await _declare(app_client, scene, fresh, content_type="audio/mpeg")
    assert (await _put(app_client, scene, old_sha, 0, old[:1000])).status_code == 200
    assert (await _put(app_client, scene, fresh_sha, 0, fresh[:1000])).status_code == 200
    async with ctx.sessions() as session:  # the first upload was declared and last fed three weeks ago
        await session.execute(update(EvidenceBlob).where(EvidenceBlob.sha256 == old_sha)  # type: ignore[arg-type]
                              .values(created_at=utcnow() - timedelta(days=21),
                                      received_at=utcnow() - timedelta(days=21)))
        await session.commit()
    load_all_handlers()
    await run_scheduled(ctx)
    assert await _staged(ctx, old_sha) == 0 and await _staged(ctx, fresh_sha) == 1
    status = (await app_client.get(f"/api/v1/sync/evidence/{old_sha}", headers=scene.tablet)).json()
    assert (status["received"], status["complete"]) == (0, False)  # still declared: the tablet starts over
    assert (await _put(app_client, scene, old_sha, 0, old)).json()["complete"] is True


async def test_an_upload_being_sealed_is_left_to_its_sealer_until_the_lease_runs_out(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    """The row is not locked through the move to the store: another request meanwhile finds a lease, answers at
    once with `complete` false and touches nothing (no second upload, no purge); after the lease, a retry seals."""
    from datetime import timedelta

    from sqlalchemy import update

    from backend.lib.clock import utcnow
    from backend.sync.blobs import purge_stale_uploads
    from backend.sync.models import EvidenceBlob

    scene = await _scene(ctx, app_client)
    sha = hashlib.sha256(VIDEO).hexdigest()
    await _declare(app_client, scene, VIDEO)
    assert (await _put(app_client, scene, sha, 0, VIDEO[:1000])).status_code == 200

    async def lease(until: object, created: object = None) -> None:
        values: dict[str, object] = {"sealing_until": until}
        if created is not None:
            values["created_at"] = created
        async with ctx.sessions() as session:  # as if another replica had just begun moving the file
            await session.execute(update(EvidenceBlob).where(EvidenceBlob.sha256 == sha).values(**values))  # type: ignore[arg-type]
            await session.commit()

    await lease(utcnow() + timedelta(minutes=5), created=utcnow() - timedelta(days=21))
    last = await _put(app_client, scene, sha, 1000, VIDEO[1000:])
    assert last.status_code == 200 and last.json() == {"sha256": sha, "size": len(VIDEO), "received": len(VIDEO),
                                                       "complete": False}
    assert await _staged(ctx, sha) == 2  # the chunks wait for the sealer
    async with ctx.sessions() as session:
        assert await purge_stale_uploads(session) == 0  # an old upload, but being sealed: not purged
    await lease(utcnow() - timedelta(seconds=1))  # the sealer died: its lease ran out
    retried = await _put(app_client, scene, sha, len(VIDEO), b"")
    assert retried.json()["complete"] is True and await _staged(ctx, sha) == 0
    async with ctx.sessions() as session:
        blob = await session.get(EvidenceBlob, sha)
        assert blob is not None and blob.sealing_until is None


async def test_an_evidence_id_naming_another_item_is_an_id_conflict(app_client: httpx.AsyncClient,
                                                                    ctx: Context) -> None:
    """A tablet re-using an id for other bytes must hear so: "applied" would say its file is attached."""
    scene = await _scene(ctx, app_client)
    first = b"dashcam-1" * 100
    evidence_id = uuid7()

    async def push(data: bytes) -> dict[str, Any]:
        mutation = {"mutation_id": uuid.uuid4().hex, "entity": "evidence", "id": evidence_id, "op": "create",
                    "hlc": "0000000000001-00001-tab",
                    "fields": {"report_id": scene.report_id, "sha256": hashlib.sha256(data).hexdigest(),
                               "size": len(data), "content_type": "video/mp4"}}
        pushed = await app_client.post("/api/v1/sync/push", headers=scene.tablet,
                                       json={"device_id": scene.device_id, "mutations": [mutation]})
        assert pushed.status_code == 200, pushed.text
        result: dict[str, Any] = pushed.json()["results"][0]
        return result

    assert (await push(first))["status"] == "applied"
    again = await push(first)  # the same item declared again (a lost answer): still fine
    assert again["status"] == "applied" and again["existing_id"] == evidence_id
    other = await push(b"dashcam-2" * 100)
    assert (other["status"], other["reason"]) == ("rejected", "id_conflict"), other
