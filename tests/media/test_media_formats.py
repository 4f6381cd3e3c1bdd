"""Files phones really make, found by the 2026-12-05 media audit; each test failed before the fix of the defect it
names.

A voice recorder's low-rate MP3 (MPEG-2.5, 8 kHz) and an MP3 or AAC stream with CRCs were refused as "type not
allowed" after the citizen had uploaded them, and so was AAC with an ID3 tag in front (which the scrubber takes
apart); a WebP photo's EXIF comes after its picture, so the time and place of any WebP larger than the head read for
sniffing were lost.
"""

from __future__ import annotations

import io
import random
from datetime import UTC
from typing import Any

import pytest
from PIL import Image

from backend.media import service as media_service
from backend.media.exif import read_photo_facts
from backend.media.storage import HEAD_BYTES
from tests.fakes.s3 import S3Bucket
from tests.helpers import PartnerClient
from tests.media.test_media import declare, s3_client, upload_local  # noqa: F401  (s3_client is a fixture)

pytestmark = pytest.mark.anyio


# -- 1. MPEG audio and ADTS frames other than the three (two) most common headers were refused ---------------------
def _frames(header: bytes, count: int = 40) -> bytes:
    """A stream of `count` frames behind `header` (the sniff reads the first bytes only)."""
    return (header + bytes(200)) * count


ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10)  # an ID3v2.4 tag of 10 bytes of padding


@pytest.mark.parametrize(("content_type", "head"), [
    ("audio/mpeg", b"\xff\xe3\x18\xc4"),  # MPEG-2.5 Layer III, 8 kHz: a voice recorder's low-rate MP3
    ("audio/mpeg", b"\xff\xe2\x18\xc4"),  # the same with CRCs
    ("audio/mpeg", b"\xff\xfa\x90\x64"),  # MPEG-1 Layer III with CRCs
    ("audio/aac", b"\xff\xf0\x50\x80"),  # ADTS, MPEG-4, with CRCs
    ("audio/aac", b"\xff\xf8\x50\x80"),  # ADTS, MPEG-2, with CRCs
    ("audio/aac", ID3 + b"\xff\xf1\x50\x80"),  # ADTS with an ID3 tag in front (scrub_tagged_audio takes it off)
], ids=["mpeg25", "mpeg25-crc", "mpeg1-crc", "adts4-crc", "adts2-crc", "adts-id3"])
def test_audio_frames_phones_make_are_their_type(content_type: str, head: bytes) -> None:
    assert media_service.sniff_ok(content_type, _frames(head))


@pytest.mark.parametrize(("content_type", "head"), [
    ("audio/mpeg", b"\xff\xd8\xff\xe0"),  # a JPEG
    ("audio/mpeg", b"\xff\xf1\x50\x80"),  # ADTS is not MPEG audio (layer bits 00)
    ("audio/aac", b"\xff\xfb\x90\x64"),  # an MP3 frame is not ADTS
    ("audio/aac", b"MZ\x90\x00"),
], ids=["jpeg-as-mp3", "adts-as-mp3", "mp3-as-aac", "exe-as-aac"])
def test_other_files_are_still_refused(content_type: str, head: bytes) -> None:
    assert not media_service.sniff_ok(content_type, _frames(head))


async def test_a_low_rate_voice_note_completes(citizen: PartnerClient) -> None:
    note = _frames(b"\xff\xe3\x18\xc4")
    created = (await declare(citizen, note, content_type="audio/mpeg")).json()
    assert (await upload_local(citizen.http, created, note)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


# -- 2. a WebP photo's EXIF lies behind its picture: beyond the head, its time and place were lost -----------------
def _webp_with_exif(size_at_least: int) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 21:15:03"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 9.0, 37.8), "E", (71.0, 28.0, 13.44)
    side, noise = 64, random.Random(7)
    while True:  # noise does not compress: the file grows with the picture
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), noise.randbytes(side * side * 3)).save(out, format="WEBP", quality=95,
                                                                               exif=exif)
        if len(out.getvalue()) >= size_at_least:
            return out.getvalue()
        side *= 2


async def _complete(citizen: PartnerClient, photo: bytes) -> dict[str, Any]:
    created = (await declare(citizen, photo, content_type="image/webp")).json()
    assert (await upload_local(citizen.http, created, photo)).status_code in (200, 204)
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


async def test_a_large_webp_photo_keeps_its_time_and_place(citizen: PartnerClient) -> None:
    photo = _webp_with_exif(HEAD_BYTES + 1)
    assert photo.rfind(b"EXIF") > HEAD_BYTES  # where WebP puts it: after the picture
    facts = await _complete(citizen, photo)
    assert abs(facts["lat"] - 51.1605) < 1e-3 and abs(facts["lon"] - 71.4704) < 1e-3, facts
    assert facts["taken_at"].startswith("2026-11-20T21:15:03")


async def test_a_large_webp_photo_keeps_its_time_and_place_on_s3(
        s3_client: tuple[PartnerClient, S3Bucket]) -> None:  # noqa: F811
    citizen, _bucket = s3_client
    facts = await _complete(citizen, _webp_with_exif(HEAD_BYTES + 1))
    assert abs(facts["lat"] - 51.1605) < 1e-3 and abs(facts["lon"] - 71.4704) < 1e-3, facts


# -- 3. EXIF's own zone offset was ignored: a phone on UTC+6 (Almaty's zone before March 2024, still in the zone data
# of phones that get no updates) had every photo placed an hour late --------------------------------------------
def _jpeg_taken(stamp: str, offset: str | None, *, tag: int = 0x9003, offset_tag: int = 0x9011) -> bytes:
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769) if tag == 0x9003 else exif
    ifd[tag] = stamp
    if offset is not None:
        (exif.get_ifd(0x8769))[offset_tag] = offset
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 10, 200)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(("photo", "expected"), [
    (_jpeg_taken("2026:11:20 22:15:03", "+06:00"), "2026-11-20T16:15:03+00:00"),
    (_jpeg_taken("2026:11:20 19:15:03", "+03:00"), "2026-11-20T16:15:03+00:00"),
    (_jpeg_taken("2026:11:20 21:15:03", None), "2026-11-20T16:15:03+00:00"),  # no offset: Kazakhstan's time
    (_jpeg_taken("2026:11:20 21:15:03", "   :  "), "2026-11-20T16:15:03+00:00"),  # unset: the same
    (_jpeg_taken("2026:11:20 21:15:03", "+25:00"), "2026-11-20T16:15:03+00:00"),  # not an offset: the same
    (_jpeg_taken("2026:11:20 22:15:03", "+06:00", tag=0x0132, offset_tag=0x9010), "2026-11-20T16:15:03+00:00"),
], ids=["utc+6", "utc+3", "none", "blank", "invalid", "datetime-offsettime"])
def test_the_time_a_photo_was_taken_honours_its_zone_offset(photo: bytes, expected: str) -> None:
    taken = read_photo_facts(photo).taken_at
    assert taken is not None and taken.astimezone(UTC).isoformat() == expected
