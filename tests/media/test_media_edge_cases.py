"""Media edge cases found by the 2026-12-04 audit: each test failed before the fix of the defect it names.

Replayed upload links, EXIF values at the edges (year 1, a zero denominator, HEIC), two reports racing for one
file, files that crash or hang a scrubber, and a store outage that outlasts the scrub task's attempts.
"""

from __future__ import annotations

import asyncio
import io
import struct
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, TiffImagePlugin

from backend.context import Context
from backend.media.models import Media
from backend.media.service import UPLOAD_PREFIX, get_store
from backend.media.storage import MediaStore
from tests.fakes.s3 import S3Bucket
from tests.helpers import PartnerClient, jpeg_with_exif, sha256_hex
from tests.media.test_media import declare, s3_client, upload_local  # noqa: F401  (s3_client is a fixture)

pytestmark = pytest.mark.anyio
DRUGS = "У подъезда дома 12 по Кенесары каждый вечер продают наркотики, закладки прячут в клумбе"


async def _ready_photo(citizen: PartnerClient, photo: bytes) -> dict[str, Any]:
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    return created


# 1. the embedded signed upload URL can be replayed after completion: verified evidence is overwritten -------------
async def test_upload_link_cannot_overwrite_a_verified_file(ctx: Context, citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    created = await _ready_photo(citizen, photo)
    forged = b"<html><script>alert(1)</script>".ljust(len(photo), b" ")
    assert len(forged) == len(photo)
    again = await upload_local(citizen.http, created, forged)
    assert again.status_code == 409 and again.json()["code"] == "media.upload_closed", again.text
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(created["id"]))
        assert media is not None
    stored = await get_store(ctx).inspect(media.storage_key)
    assert stored is not None
    # the file is "ready" with the declared sha256; the bytes in the store must still be those bytes
    assert again.status_code >= 400 and stored.sha256 == media.sha256, (again.status_code, stored.head[:40])


# 2. the same with S3: the presigned POST stays usable after completion (S3 cannot refuse it), so it must name a key
# nothing reads: the stored file is a copy only the server writes -----------------------------------------------
async def test_presigned_post_cannot_overwrite_a_verified_file(
        s3_client: tuple[PartnerClient, S3Bucket]) -> None:  # noqa: F811
    citizen, bucket = s3_client
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    posted = await upload_local(citizen.http, created, photo)
    assert posted.status_code in (200, 204)
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready"
    # completion moved the upload to a key of the server's: the upload key is empty again
    assert all(not o["Key"].startswith(UPLOAD_PREFIX)
               for o in bucket.client().list_objects_v2(Bucket=bucket.name)["Contents"])
    forged = b"<html>not a photo</html>".ljust(len(photo), b" ")
    await upload_local(citizen.http, created, forged)
    s3 = bucket.client()
    # the replayed upload may sit under the upload prefix (nothing reads it); the stored file is untouched
    [obj] = [o for o in s3.list_objects_v2(Bucket=bucket.name)["Contents"] if not o["Key"].startswith(UPLOAD_PREFIX)]
    body = s3.get_object(Bucket=bucket.name, Key=obj["Key"])["Body"].read()
    assert sha256_hex(body) == done.json()["sha256"], body[:30]


# 3. EXIF date at the edge of datetime's range: 500 instead of "no facts" ------------------------------------------
async def test_exif_date_year_one_does_not_crash_completion(citizen: PartnerClient) -> None:
    photo = jpeg_with_exif(taken="0001:01:01 00:00:00")
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, (done.status_code, done.text[:200])


@pytest.mark.parametrize("taken", ["1989:12:31 23:59:59", "2099:01:01 00:00:00"])
def test_implausible_exif_dates_are_no_facts(taken: str) -> None:
    from backend.media.exif import read_photo_facts

    facts = read_photo_facts(jpeg_with_exif(taken=taken))
    assert facts.taken_at is None and "datetime_original" not in facts.raw and facts.lat is not None


# 4. EXIF GPS rational with a zero denominator: NaN into the JSON column, 500 on PostgreSQL --------------------------
def _jpeg_with_zero_denominator_gps() -> bytes:
    img = Image.new("RGB", (16, 16), (10, 200, 10))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (TiffImagePlugin.IFDRational(51, 0), 0.0, 0.0)
    gps[3], gps[4] = "E", (71.0, 0.0, 0.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def test_exif_gps_with_zero_denominator_does_not_crash_completion(ctx: Context,
                                                                        citizen: PartnerClient) -> None:
    photo = _jpeg_with_zero_denominator_gps()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, (done.status_code, done.text[:200])
    assert done.json()["lat"] is None  # NaN is not a latitude
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(created["id"]))
    # SQLite takes the NaN PostgreSQL refuses: what is stored must not hold it either
    assert media is not None and media.lat is None and "gps" not in media.exif, media.exif


@pytest.mark.parametrize(("lat", "lon"), [(95.0, 71.0), (51.0, 190.0)])
def test_coordinates_out_of_range_are_no_facts(lat: float, lon: float) -> None:
    from backend.media.exif import read_photo_facts

    facts = read_photo_facts(jpeg_with_exif(lat=lat, lon=lon))
    assert facts.lat is None and facts.lon is None and "gps" not in facts.raw and facts.taken_at is not None


# 6. one file, two concurrent reports: both registered with it, the first loses it ---------------------------------
async def _report_count(ctx: Context) -> int:
    from sqlalchemy import func, select

    from backend.reports.models import Report

    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_concurrent_reports_cannot_both_take_one_file(ctx: Context, citizen: PartnerClient,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.media import service as media_service

    if ctx.engine.dialect.name == "sqlite":
        pytest.skip("SQLite registrations are serialized from their first read (BEGIN IMMEDIATE): no race")
    created = await _ready_photo(citizen, jpeg_with_exif())
    check = media_service.attach_to_new_report
    both_checked = asyncio.Barrier(2)

    async def checked_together(*args: Any, **kwargs: Any) -> list[Media]:
        found = await check(*args, **kwargs)  # both see the file free: neither has registered yet
        await asyncio.wait_for(both_checked.wait(), 10)
        return found

    monkeypatch.setattr(media_service, "attach_to_new_report", checked_together)
    first, second = await asyncio.gather(
        citizen.submit("Разбили стекло машины во дворе, фото прилагаю", media_ids=[created["id"]]),
        citizen.submit("Сломали шлагбаум у дома, фото прилагаю", media_ids=[created["id"]]))
    taken = [r for r in (first, second) if r.status_code == 201]
    assert len(taken) == 1, [(r.status_code, [m["id"] for m in r.json().get("media", [])]) for r in (first, second)]
    [lost] = [r for r in (first, second) if r.status_code != 201]
    assert lost.status_code == 409 and lost.json()["code"] == "media.already_attached", lost.text
    assert lost.json()["errors"][0]["pointer"] == "/media_ids/0"
    assert await _report_count(ctx) == 1  # nothing of the loser is stored


# 7. a WebP whose VP8X chunk is empty crashes the scrub job (IndexError, not Malformed) ---------------------------
def _webp_with_empty_vp8x() -> bytes:
    chunks = b"VP8X" + struct.pack("<I", 0)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


async def _anonymous_report_with(ctx: Context, files: list[tuple[str, bytes]], *,
                                  queue_scrub: bool = False) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An anonymous report with `files` (content type, bytes) stored and not scrubbed yet: (report id, media ids)."""
    from backend.jobs.service import enqueue
    from backend.media.service import scrub_task
    from tests.core.factories import make_report

    async with ctx.sessions() as session:
        report = await make_report(session, anonymous=True, category="drugs", text=DRUGS)
        rows = [Media(report_id=report.id, kind="photo", content_type=ct, size=len(data), sha256=sha256_hex(data),
                      storage_key=f"test/{uuid.uuid4()}", status="ready") for ct, data in files]
        session.add_all(rows)
        if queue_scrub:
            job = scrub_task(report.id)  # what intake queues with an anonymous report's files
            await enqueue(session, job.name, job.payload, dedupe_key=job.dedupe_key)
        await session.commit()
    for row, (content_type, data) in zip(rows, files, strict=True):
        await get_store(ctx).put(row.storage_key, data, content_type)
    return report.id, [row.id for row in rows]


async def _scrub_states(ctx: Context, media_ids: list[uuid.UUID]) -> dict[str, str | None]:
    async with ctx.sessions() as session:
        return {m.content_type: m.scrub for m in [await session.get(Media, i) for i in media_ids] if m}


async def test_a_broken_webp_does_not_stop_the_scrub_of_the_reports_other_files(ctx: Context) -> None:
    from backend.media.jobs import scrub_report_media

    report_id, media_ids = await _anonymous_report_with(
        ctx, [("image/webp", _webp_with_empty_vp8x()), ("image/jpeg", jpeg_with_exif())])
    try:
        await scrub_report_media(ctx, {"report_id": str(report_id)})
        error = None
    except Exception as exc:
        error = exc
    states = await _scrub_states(ctx, media_ids)
    assert error is None and states == {"image/webp": "malformed", "image/jpeg": "done"}, (repr(error), states)


def test_an_empty_vp8x_chunk_is_malformed() -> None:
    from backend.media.scrub import Malformed, scrub_riff

    with pytest.raises(Malformed):
        scrub_riff(_webp_with_empty_vp8x())


async def test_a_scrubber_that_crashes_marks_only_its_file_malformed(ctx: Context,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a scrubber's bug raises, the report's other files still get their copies."""
    from backend.media import scrub
    from backend.media.jobs import scrub_report_media

    def crash(data: bytes) -> bytes:
        raise RuntimeError("a scrubber bug")

    monkeypatch.setitem(scrub.IN_MEMORY, "image/png", crash)
    report_id, media_ids = await _anonymous_report_with(
        ctx, [("image/png", b"\x89PNG\r\n\x1a\n" + bytes(32)), ("image/jpeg", jpeg_with_exif())])
    await scrub_report_media(ctx, {"report_id": str(report_id)})
    assert await _scrub_states(ctx, media_ids) == {"image/png": "malformed", "image/jpeg": "done"}


# 8. an iPhone-style `keys` box with an entry size of 0 sends the scrubber backwards: the worker spins for hours ---
_HANG_PROBE = """
import io, struct, sys
from tests.media.recordings import recording
from backend.media.scrub import Malformed, scrub_isobmff
data = bytearray(recording("mov", "aac", "mpeg4", apple_keys=True))
at = data.find(b"keys")
struct.pack_into(">I", data, at + 8, 0xFFFFFFFF)  # entry count
struct.pack_into(">I", data, at + 12, 0)  # first entry's size: 0 (less than its own header)
try:
    scrub_isobmff(io.BytesIO(bytes(data)), len(data))
except Malformed:
    pass
print("finished")
"""


def test_a_keys_entry_of_size_zero_does_not_hang_the_scrubber() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    try:
        done = subprocess.run([sys.executable, "-c", _HANG_PROBE], cwd=root, env=env, capture_output=True,
                              text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("scrub_isobmff still running after 20 s on a 20 kB file (unbounded loop over a malformed keys box)")
    assert "finished" in done.stdout, done.stderr[-500:]


def test_a_keys_entry_smaller_than_its_header_drops_the_whole_meta_box() -> None:
    """With a count the box can hold, an entry of 0 bytes no longer sends the reader backwards over the same bytes:
    the `meta` box does not parse, and goes whole (names and values)."""
    from backend.media.scrub import scrub_isobmff
    from tests.media.recordings import recording

    data = bytearray(recording("mov", "aac", "mpeg4", apple_keys=True))
    at = data.find(b"keys")
    struct.pack_into(">I", data, at + 8, 2)  # two entries...
    struct.pack_into(">I", data, at + 12, 0)  # ...the first of 0 bytes
    fh = io.BytesIO(bytes(data))
    scrub_isobmff(fh, len(data))
    assert b"keys" not in fh.getvalue() and b"mdta" not in fh.getvalue()


# 9. a store outage longer than the scrub task's retries: the anonymous report's files are withheld for good ---------
@pytest.fixture
async def s3_ctx(pg_url: str, tmp_path: Path, s3_bucket: S3Bucket) -> AsyncIterator[Context]:
    """Production media mode: the real S3Store and boto3 against the loopback S3 server, on PostgreSQL."""
    from backend.context import build_context
    from tests.conftest import _truncate, s3_settings

    ctx = build_context(s3_settings(pg_url, tmp_path, s3_bucket), null_pool=True)
    await _truncate(ctx)
    yield ctx
    await ctx.close()


def _outage(ctx: Context) -> MediaStore:
    """S3 unreachable: the real store and client, sent to a loopback port nobody listens on, so every call fails
    to connect as in an outage. Returns the working store, to put back when the outage ends."""
    import socket

    from backend.media.storage import S3Store, s3_client_factory

    with socket.socket() as probe:  # a port that was free a moment ago and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    working, s = get_store(ctx), ctx.settings
    ctx.extras["media_store"] = S3Store(s3_client_factory(f"http://127.0.0.1:{port}", s.s3_region, s.s3_access_key,
                                                          s.s3_secret_key), s.s3_bucket)
    return working


async def test_scrub_is_retried_after_a_long_store_outage(s3_ctx: Context) -> None:
    from sqlalchemy import select, update

    from backend.dispatch.attachments import list_for
    from backend.jobs.models import OutboxTask
    from backend.jobs.relay import execute
    from backend.jobs.service import claim
    from backend.lib.clock import utcnow
    from backend.media.service import scrub_task
    from backend.officers.auth import OfficerPrincipal, Role
    from tests.officers.factories import make_officer

    ctx = s3_ctx
    report_id, [media_id] = await _anonymous_report_with(ctx, [("image/jpeg", jpeg_with_exif())], queue_scrub=True)
    job = scrub_task(report_id)
    working = _outage(ctx)
    async with ctx.sessions() as session:
        task_id = (await session.scalars(select(OutboxTask.id).where(OutboxTask.dedupe_key == job.dedupe_key))).one()
    outcome = ""
    for _ in range(20):  # the relay's attempts, each as soon as it is due
        async with ctx.sessions() as session:
            await session.execute(update(OutboxTask).where(OutboxTask.id == task_id).values(next_attempt_at=utcnow()))
            await session.commit()
            attempt = await claim(session, task_id, 60)
        if attempt is None:
            break
        outcome = await execute(ctx, task_id, attempt)
    assert outcome == "pending"  # an outage is waited out (RetryLater) without spending the task's attempts
    async with ctx.sessions() as session:
        # dead-lettered all the same, as any task can be (a bug, an outage before waits stopped counting): opening
        # the files must still get the scrub going again
        await session.execute(update(OutboxTask).where(OutboxTask.id == task_id).values(status="dead"))
        await session.commit()
    ctx.extras["media_store"] = working  # the store is back

    officer, _ = await make_officer(ctx, role="dispatcher")
    principal = OfficerPrincipal(officer_id=officer.id, role=Role.DISPATCHER, unit_id=None,
                                 department=officer.department, district=officer.district, device_id="audit",
                                 session_id=uuid.uuid4())
    async with ctx.sessions() as session:
        listed = await list_for(ctx, session, principal, report_id)
    assert [item.withheld for item in listed.items] == ["preparing"]
    async with ctx.sessions() as session:
        runnable = list(await session.scalars(select(OutboxTask).where(
            OutboxTask.task == job.name, OutboxTask.status.in_(["pending", "running"]))))  # type: ignore[attr-defined]
        row = await session.get(Media, media_id)
    # staff asked for the files again with the store back: something must be going to make the copy
    assert runnable, f"scrub task dead for good; media.scrub={row.scrub if row else None}: withheld forever"


async def test_a_store_outage_makes_the_scrub_retry_later(s3_ctx: Context) -> None:
    from backend.jobs.registry import RetryLater
    from backend.media.jobs import scrub_report_media

    report_id, _ = await _anonymous_report_with(s3_ctx, [("image/jpeg", jpeg_with_exif())])
    _outage(s3_ctx)
    with pytest.raises(RetryLater):  # an outage is waited out, it is not the task failing
        await scrub_report_media(s3_ctx, {"report_id": str(report_id)})


# 10. HEIC (an iPhone's default photo format) is accepted as a photo but its EXIF time and GPS are never read --------
def _heic(picture_size: int) -> bytes:
    """A HEIC with its picture, then its EXIF item (time and GPS), in `mdat`."""
    from tests.media.test_scrub import _box, _full

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 21:15:03"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 9.0, 37.8), "E", (71.0, 28.0, 13.4)
    exif_item = struct.pack(">I", 6) + exif.tobytes()
    picture = bytes(picture_size)
    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")

    def meta(picture_at: int, exif_at: int) -> bytes:
        infe = [_full(b"infe", 2, struct.pack(">HH", 1, 0) + b"hvc1" + b"\x00"),
                _full(b"infe", 2, struct.pack(">HH", 2, 0) + b"Exif" + b"\x00")]
        iinf = _full(b"iinf", 0, struct.pack(">H", 2) + b"".join(infe))
        entries = b"".join(struct.pack(">HHHHII", item, 0, 0, 1, at, length) for item, at, length in (
            (1, picture_at, len(picture)), (2, exif_at, len(exif_item))))
        iloc = _full(b"iloc", 1, bytes([0x44, 0x00]) + struct.pack(">H", 2) + entries)
        return _full(b"meta", 0, _full(b"hdlr", 0, b"\x00" * 4 + b"pict" + b"\x00" * 13) + iinf + iloc)

    start = len(ftyp) + len(meta(0, 0)) + 8
    return ftyp + meta(start, start + len(picture)) + _box(b"mdat", picture + exif_item)


@pytest.mark.parametrize("picture_size", [3000, 300 * 1024], ids=["exif_in_head", "exif_beyond_head"])
async def test_heic_photo_facts_are_read(citizen: PartnerClient, picture_size: int) -> None:
    photo = _heic(picture_size)
    created = (await declare(citizen, photo, content_type="image/heic")).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    facts = done.json()
    assert facts["taken_at"] is not None and facts["lat"] is not None, facts
    assert abs(facts["lat"] - 51.1605) < 1e-3 and facts["taken_at"].startswith("2026-11-20T21:15:03"), facts
