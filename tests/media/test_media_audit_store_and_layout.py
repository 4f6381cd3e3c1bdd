"""The 2026-12-07 media audit: a local store that cannot be read, a PNG's EXIF beyond the head, and edges of
declaration and attachment that had no test yet."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import uuid
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from backend.context import Context
from backend.media.scrub import scrub_png, scrub_riff
from backend.media.storage import HEAD_BYTES, LocalStore, StoreUnavailable
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.media.test_media import declare, keyed, upload_local

pytestmark = pytest.mark.anyio


# -- 1. LocalStore: an OSError while looking for an object escaped as a 500 ------------------------------------------
def unreadable_store(ctx: Context, tmp_path: Path) -> LocalStore:
    """A local store whose root cannot be looked into: a name longer than the file system takes (ENAMETOOLONG), the
    same OSError from `stat` as a root on a mount that went away or lost its permissions (EIO, ESTALE, EACCES;
    these tests run as root, which no permission stops)."""
    return LocalStore(tmp_path / ("m" * 300), ctx.settings.public_base_url, ctx.settings.secret_key)


async def complete_while_down(ctx: Context, citizen: PartnerClient, media_id: str, tmp_path: Path) -> httpx.Response:
    """The file's completion asked while the local store cannot be read (then the working store is back)."""
    working = ctx.extras["media_store"]
    ctx.extras["media_store"] = unreadable_store(ctx, tmp_path)
    try:
        return await citizen.post(f"/api/v1/media/{media_id}/complete")
    finally:
        ctx.extras["media_store"] = working


async def test_a_local_store_that_cannot_be_read_says_it_is_unavailable(ctx: Context, tmp_path: Path) -> None:
    store = unreadable_store(ctx, tmp_path)
    with pytest.raises(StoreUnavailable):
        await store.inspect("photos/x.jpg")
    with pytest.raises(StoreUnavailable):
        await store.fetch("photos/x.jpg", tmp_path / "copy")
    with pytest.raises(StoreUnavailable):
        await store.copy("photos/x.jpg.upload", "photos/x.jpg")


async def test_completing_against_an_unreadable_local_store_is_a_503(ctx: Context, citizen: PartnerClient,
                                                                    tmp_path: Path) -> None:
    """Before: 500 (the OSError of Path.exists), which the app does not retry; the file looked broken for good."""
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    down = await complete_while_down(ctx, citizen, created["id"], tmp_path)
    assert down.status_code == 503 and down.json()["code"] == "media.store_unavailable", down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")  # nothing was lost
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_a_download_from_an_unreadable_local_store_is_a_503(ctx: Context, app_client: httpx.AsyncClient,
                                                                  tmp_path: Path) -> None:
    """Staff's embedded download link: before, the same OSError was a 500."""
    working = ctx.extras.get("media_store")
    store = ctx.extras["media_store"] = unreadable_store(ctx, tmp_path)
    try:
        url = await store.download_url("photos/x.jpg", "image/jpeg", "ZP-1-1.jpg")
        down = await app_client.get(url.split("127.0.0.1:8000", 1)[1])
    finally:
        ctx.extras.pop("media_store")
        if working is not None:
            ctx.extras["media_store"] = working
    assert down.status_code == 503 and down.json()["code"] == "media.store_unavailable", down.text


# -- 2. a PNG's EXIF after a picture larger than the head was not read: the photo lost its time and place ---------
def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _exif(*, artist: str = "Aigerim Nurlanovna", padding: int = 0) -> bytes:
    exif = Image.Exif()
    exif[0x013B] = artist  # Artist: a name the anonymous copy must not carry
    if padding:
        exif[0x010E] = "x" * padding  # ImageDescription: free text, not allowlisted
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 21:15:03"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 9.0, 37.8), "E", (71.0, 28.0, 13.44)
    return exif.tobytes()[6:]  # bare TIFF, as PNG's eXIf and WebP's EXIF hold it


def _png(exif: bytes, *, after_picture: bool, picture_bytes: int) -> bytes:
    """A 1-bit PNG whose IDAT is `picture_bytes` long (noise, so it does not compress), with `exif` in an eXIf
    chunk before or after it."""
    side = 4096
    raw = random.Random(7).randbytes(picture_bytes)  # not a valid deflate stream: the picture is never decoded
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    ihdr, idat, exif_chunk = _chunk(b"IHDR", header), _chunk(b"IDAT", raw), _chunk(b"eXIf", exif)
    body = ihdr + idat + exif_chunk if after_picture else ihdr + exif_chunk + idat
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b"")


async def test_a_png_whose_exif_lies_beyond_the_head_keeps_its_time_and_place(citizen: PartnerClient) -> None:
    photo = _png(_exif(), after_picture=True, picture_bytes=HEAD_BYTES + 1024)
    assert photo.rfind(b"eXIf") > HEAD_BYTES
    created = (await declare(citizen, photo, content_type="image/png")).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["lat"], body["lon"]) == (pytest.approx(51.1605, abs=1e-4), pytest.approx(71.4704, abs=1e-4))
    assert body["taken_at"] is not None


@pytest.mark.parametrize("after_picture", [False, True])
def test_the_anonymous_copy_of_a_png_with_a_large_or_late_exif_loses_its_author(after_picture: bool) -> None:
    """Whatever the layout (an eXIf chunk larger than the head, or after the picture), the copy is rewritten from
    the whole file: the allowlisted time and place stay (documented: evidence), nothing else of the EXIF does."""
    photo = _png(_exif(padding=HEAD_BYTES), after_picture=after_picture, picture_bytes=HEAD_BYTES + 1024)
    copy = scrub_png(photo)
    assert b"Aigerim" not in copy and b"xxxxxxxx" not in copy
    assert copy.count(b"eXIf") == 1
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + copy[copy.index(b"eXIf") + 4:])
    assert exif.get_ifd(0x8825)[2] == (51.0, 9.0, 37.8)


def test_the_anonymous_copy_of_a_webp_with_exif_after_a_large_picture_loses_its_author() -> None:
    side = 700
    out = io.BytesIO()
    noise = random.Random(3).randbytes(side * side * 3)
    Image.frombytes("RGB", (side, side), noise).save(out, format="WEBP", quality=95,
                                                     exif=b"Exif\x00\x00" + _exif(padding=1000))
    photo = out.getvalue()
    assert photo.rfind(b"EXIF") > HEAD_BYTES
    copy = scrub_riff(photo)
    assert b"Aigerim" not in copy and b"xxxxxxxx" not in copy and b"EXIF" in copy


# -- 3. edges of declaration and attachment ----------------------------------------------------------------------
async def test_an_empty_file_is_never_declared(citizen: PartnerClient) -> None:
    nothing = hashlib.sha256(b"").hexdigest()
    empty = await citizen.post("/api/v1/media", {"content_type": "image/jpeg", "size": 0, "sha256": nothing},
                               headers=keyed())
    assert empty.status_code == 422, empty.text


async def test_a_comment_cannot_bring_another_citizen_s_file_nor_one_already_attached(
        citizen: PartnerClient, other_citizen: PartnerClient) -> None:
    photo = jpeg_with_exif()
    created = (await declare(other_citizen, photo)).json()
    await upload_local(other_citizen.http, created, photo)
    assert (await other_citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    mine = (await citizen.submit("Украли велосипед из подъезда")).json()
    stolen = await citizen.post(f"/api/v1/reports/{mine['id']}/comments",
                                {"text": "Фото вора", "media_ids": [created["id"]]},
                                headers={"Idempotency-Key": str(uuid.uuid4())})
    assert stolen.status_code == 422 and stolen.json()["code"] == "media.not_found", stolen.text
    assert (await citizen.get(f"/api/v1/reports/{mine['id']}")).json()["media"] == []

    theirs = (await other_citizen.submit("Украли велосипед", media_ids=[created["id"]])).json()
    other_report = (await other_citizen.submit("Ещё одно")).json()
    again = await other_citizen.post(f"/api/v1/reports/{other_report['id']}/comments",
                                     {"text": "То же фото", "media_ids": [created["id"]]},
                                     headers={"Idempotency-Key": str(uuid.uuid4())})
    assert again.status_code == 409 and again.json()["code"] == "media.already_attached", again.text
    assert [m["id"] for m in (await other_citizen.get(f"/api/v1/reports/{theirs['id']}")).json()["media"]] \
        == [created["id"]]
