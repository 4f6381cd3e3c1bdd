"""Type names apps send, and ISO media files of the wrong kind, found by the 2026-12-05 media audit; each test failed
before the fix of the defect it names.

Android apps declare photos as image/jpg and iOS voice notes as audio/x-m4a (or audio/m4a): refused as types not
taken, although the bytes are exactly a JPEG and an M4A. And the content check read only "ftyp" at offset 4 for the
whole ISO media family: an M4A voice note declared as a video (or a video as audio/mp4, or a HEIC photo as either)
passed, whatever its brands said.
"""

from __future__ import annotations

import struct
import uuid

import pytest

from backend.context import Context
from backend.media import service as media_service
from backend.media.formats import canonical_type
from backend.media.models import Media
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.media.test_media import declare, pointers, upload_local

pytestmark = pytest.mark.anyio


def iso_media(major: bytes, *compatible: bytes, payload: bytes = bytes(64)) -> bytes:
    """An ISO media file's start: its ftyp box (major brand, minor version 0, compatible brands), then an mdat."""
    ftyp = b"ftyp" + major + bytes(4) + b"".join(compatible)
    return struct.pack(">I", 4 + len(ftyp)) + ftyp + struct.pack(">I", 8 + len(payload)) + b"mdat" + payload


VOICE_MEMO = iso_media(b"M4A ", b"M4A ", b"mp42", b"isom")  # an iPhone voice memo (AVFoundation)
IPHONE_VIDEO = iso_media(b"qt  ", b"qt  ")
ANDROID_VIDEO = iso_media(b"isom", b"isom", b"iso2", b"avc1", b"mp41")  # ffmpeg / Android with H.264 video
ANDROID_AUDIO = iso_media(b"isom", b"isom", b"iso2", b"mp41")  # audio-only from ffmpeg or MediaRecorder
VOICE_3GP = iso_media(b"3gp4", b"isom", b"3gp4")  # MediaRecorder's THREE_GPP format: a voice recorder's
HEIC = iso_media(b"heic", b"mif1", b"heic")


# -- 1. names apps really send for types we take ---------------------------------------------------------------------
@pytest.mark.parametrize(("declared", "stored"), [
    ("image/jpg", "image/jpeg"),
    ("image/pjpeg", "image/jpeg"),
    ("image/x-png", "image/png"),
    ("audio/x-m4a", "audio/mp4"),
    ("audio/m4a", "audio/mp4"),
    ("audio/mp3", "audio/mpeg"),
    ("audio/x-wav", "audio/wav"),
    ("audio/wave", "audio/wav"),
    ("audio/x-aac", "audio/aac"),
    ("video/x-m4v", "video/mp4"),
    ("IMAGE/JPEG", "image/jpeg"),  # MIME types are case-insensitive
    ("audio/webm;codecs=opus", "audio/webm"),  # a browser's MediaRecorder names its codec
    ("audio/ogg; codecs=opus", "audio/ogg"),
])
def test_aliases_name_their_canonical_type(declared: str, stored: str) -> None:
    assert canonical_type(declared) == stored
    assert media_service.kind_of(declared).name == media_service.kind_of(stored).name


@pytest.mark.parametrize("declared", ["audio/3gpp", "audio/amr-wb", "image/gif", "application/octet-stream"])
async def test_types_not_taken_are_still_refused(citizen: PartnerClient, declared: str) -> None:
    refused = await declare(citizen, b"x" * 100, content_type=declared)
    assert refused.status_code == 422 and refused.json()["code"] == "media.type_not_allowed", refused.text


async def _stored(ctx: Context, media_id: str) -> Media:
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(media_id))
        assert media is not None
        return media


@pytest.mark.parametrize(("declared", "data", "canonical", "kind"), [
    ("image/jpg", jpeg_with_exif(), "image/jpeg", "photo"),
    ("audio/x-m4a", VOICE_MEMO, "audio/mp4", "audio"),
    ("audio/m4a", VOICE_MEMO, "audio/mp4", "audio"),
], ids=["android-jpg", "ios-x-m4a", "m4a"])
async def test_a_file_declared_by_an_alias_is_taken_as_its_canonical_type(
        ctx: Context, citizen: PartnerClient, declared: str, data: bytes, canonical: str, kind: str) -> None:
    created = await declare(citizen, data, content_type=declared)
    assert created.status_code == 201 and created.json()["kind"] == kind, created.text
    body = created.json()
    # the upload link is for the canonical type: what the app sends as Content-Type
    assert body["upload"]["headers"] == {"Content-Type": canonical}
    assert (await upload_local(citizen.http, body, data)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{body['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    assert done.json()["content_type"] == canonical
    assert (await _stored(ctx, body["id"])).content_type == canonical


async def test_an_upload_sent_with_the_alias_it_was_declared_by_is_taken(citizen: PartnerClient) -> None:
    """An app that sends its own Content-Type (the alias) rather than the link's header sends the same type."""
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo, content_type="image/jpg")).json()
    path = created["upload"]["url"].split("127.0.0.1:8000", 1)[1]
    sent = await citizen.http.put(path, content=photo, headers={"Content-Type": "image/jpg"})
    assert sent.status_code == 204, sent.text
    other = (await declare(citizen, photo, content_type="image/jpg")).json()
    wrong = await citizen.http.put(other["upload"]["url"].split("127.0.0.1:8000", 1)[1], content=photo,
                                   headers={"Content-Type": "image/png"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "media.type_not_allowed", wrong.text
    assert pointers(wrong) == [("#header/Content-Type", "invalid")]  # what the app has to send otherwise


# -- 2. the brands of an ISO media file must agree with the declared kind -----------------------------------------
def _brands_id(head: bytes) -> str:
    """A test id naming a file's brands: major, then compatible ("M4A:M4A,mp42,isom")."""
    size = min(struct.unpack(">I", head[:4])[0], len(head))
    compatible = [head[at: at + 4] for at in range(16, size - 3, 4)]
    return ":".join([head[8:12].decode("latin-1").strip(),
                     ",".join(b.decode("latin-1").strip() for b in compatible)]) + ("" if size > 12 else "-cut")


@pytest.mark.parametrize(("content_type", "head", "ok"), [
    ("audio/mp4", VOICE_MEMO, True),
    ("video/mp4", VOICE_MEMO, False),  # an M4A is audio, whatever it is declared as
    ("video/quicktime", VOICE_MEMO, False),
    ("image/heic", VOICE_MEMO, False),
    ("video/quicktime", IPHONE_VIDEO, True),
    ("audio/mp4", IPHONE_VIDEO, False),  # a QuickTime movie is not a voice note
    ("video/mp4", ANDROID_VIDEO, True),
    ("audio/mp4", ANDROID_VIDEO, False),  # avc1: it holds H.264 video
    ("audio/mp4", iso_media(b"mp42", b"mp42", b"isom", b"M4V "), False),
    # generic brands hold audio-only files as well as videos: let through as declared
    ("audio/mp4", ANDROID_AUDIO, True),
    ("video/mp4", ANDROID_AUDIO, True),
    ("audio/mp4", iso_media(b"mp42", b"mp42", b"isom"), True),
    ("audio/mp4", iso_media(b"isom", b"isom", b"M4A "), True),  # the generic major, the audio brand decides
    ("video/mp4", iso_media(b"isom", b"isom", b"M4A "), False),
    # 3GPP: the container of many voice recorders as of videos
    ("audio/mp4", VOICE_3GP, True),
    ("video/3gpp", VOICE_3GP, True),
    ("video/3gpp", iso_media(b"3g2a", b"3g2a"), True),
    # HEIF brands are still images
    ("image/heic", HEIC, True),
    ("image/heif", iso_media(b"mif1", b"mif1", b"heic"), True),
    ("video/mp4", HEIC, False),
    ("audio/mp4", HEIC, False),
    ("image/heic", ANDROID_VIDEO, False),
    ("image/heic", ANDROID_AUDIO, False),  # generic ISO media is timed (audio or video), not an image
    # brands we do not know say nothing: the file is what it was declared as
    ("audio/mp4", iso_media(b"abcd", b"wxyz"), True),
    ("video/mp4", iso_media(b"abcd"), True),
    # a cut-short ftyp box is read as far as it goes
    ("audio/mp4", VOICE_MEMO[:12], True),
    ("video/mp4", VOICE_MEMO[:12], False),
], ids=lambda value: _brands_id(value) if isinstance(value, bytes) else None)
def test_iso_media_brands_must_agree_with_the_declared_kind(content_type: str, head: bytes, ok: bool) -> None:
    assert media_service.sniff_ok(content_type, head) is ok


def test_a_large_ftyp_box_is_read_by_its_64_bit_size() -> None:
    box = b"ftyp" + b"M4A " + bytes(4) + b"M4A isom"
    head = struct.pack(">I", 1) + b"ftyp" + struct.pack(">Q", 16 + len(box) - 4) + box[4:] + bytes(32)
    assert media_service.sniff_ok("audio/mp4", head) and not media_service.sniff_ok("video/mp4", head)


async def test_an_m4a_declared_as_a_video_is_refused_at_completion(ctx: Context, citizen: PartnerClient) -> None:
    created = (await declare(citizen, VOICE_MEMO, content_type="video/mp4")).json()
    assert created["kind"] == "video"
    assert (await upload_local(citizen.http, created, VOICE_MEMO)).status_code == 204
    refused = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "media.type_not_allowed", refused.text
    assert refused.json()["errors"][0]["pointer"] == "/content_type"
    assert (await _stored(ctx, created["id"])).status == "rejected"
