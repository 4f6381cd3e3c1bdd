"""A portrait photo reaches staff upright: the copy of an anonymous report's WebP or PNG photo keeps its EXIF
orientation (and its time and place), as a JPEG's and a HEIF's copy do. Found by the 2026-12-05 media audit: the
WebP and PNG scrubbers dropped the whole EXIF block, so a phone's portrait photo, stored sideways with orientation 6,
was shown to officers turned on its side (and lost the time and GPS the scrubber's allowlist keeps)."""

from __future__ import annotations

import io
import struct
import zlib

import httpx
import pytest
from PIL import Image, ImageOps

from backend.context import Context
from backend.media import scrub
from tests.helpers import PartnerClient, sha256_hex
from tests.media.identity import TAKEN, identity_exif, leaks
from tests.media.test_anonymous_files import DRUGS, _console, _linked
from tests.media.test_media import keyed, upload_local

pytestmark = pytest.mark.anyio
# as a phone's sensor stores a portrait shot: landscape pixels, turned upright by EXIF orientation 6
STORED, UPRIGHT = (64, 48), (48, 64)


def _sideways(fmt: str, exif: bytes) -> bytes:
    img = Image.new("RGB", STORED)
    img.putdata([((x * 5) % 256, (y * 9) % 256, 90) for y in range(STORED[1]) for x in range(STORED[0])])
    out = io.BytesIO()
    img.save(out, format=fmt, exif=exif, **({"lossless": True} if fmt == "WEBP" else {}))
    return out.getvalue()


def _shown(data: bytes) -> tuple[int, int]:
    """The size a viewer that honours EXIF orientation shows the picture at."""
    with Image.open(io.BytesIO(data)) as img:
        return ImageOps.exif_transpose(img).size


def _exif(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as img:
        return img.getexif()


@pytest.mark.parametrize(("fmt", "scrubber"), [("WEBP", scrub.scrub_riff), ("PNG", scrub.scrub_png)])
def test_a_portrait_photo_stays_upright_and_keeps_its_time_and_place(fmt: str, scrubber: object) -> None:
    original = _sideways(fmt, identity_exif().tobytes())
    assert _shown(original) == UPRIGHT and leaks(original)
    clean = scrubber(original)  # type: ignore[operator]
    assert leaks(clean) == []
    assert _shown(clean) == UPRIGHT
    exif = _exif(clean)
    assert exif.get_ifd(0x8769).get(0x9003) == TAKEN and float(exif.get_ifd(0x8825)[2][0]) == 51.0


def _webp_exif_payload(webp: bytes, payload: bytes) -> bytes:
    """`webp` with its EXIF chunk's payload replaced by `payload`."""
    at = webp.index(b"EXIF")
    (size,) = struct.unpack("<I", webp[at + 4:at + 8])
    end = at + 8 + size + (size & 1)
    chunk = b"EXIF" + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)
    body = webp[12:at] + chunk + webp[end:]
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def test_a_webp_exif_chunk_with_the_jpeg_header_in_front_is_read_too() -> None:
    """Some writers put JPEG's "Exif\\0\\0" before the TIFF data of WebP's EXIF chunk; readers take it either way."""
    plain = _sideways("WEBP", identity_exif().tobytes())
    prefixed = _webp_exif_payload(plain, identity_exif().tobytes())  # tobytes() starts with Exif\0\0
    clean = scrub.scrub_riff(prefixed)
    assert leaks(clean) == [] and _shown(clean) == UPRIGHT


def test_an_exif_block_that_does_not_parse_or_keeps_nothing_is_dropped_and_not_announced() -> None:
    named = Image.Exif()
    named[0x013B] = "Aigerim Seitkazy"  # the artist, and nothing the allowlist keeps
    for payload in (b"II*\x00\xff\xff\xff\xff garbage", named.tobytes()[6:]):
        webp = _webp_exif_payload(_sideways("WEBP", identity_exif().tobytes()), payload)
        clean = scrub.scrub_riff(webp)
        assert b"EXIF" not in clean and b"Aigerim" not in clean
        vp8x = clean.index(b"VP8X")
        assert clean[vp8x + 8] & 0x0C == 0  # neither EXIF nor XMP announced
        assert _shown(clean) == STORED  # nothing to turn it by: as stored

        png = _sideways("PNG", b"")
        at = png.index(b"IDAT") - 4
        crc = struct.pack(">I", zlib.crc32(b"eXIf" + payload))
        exif_chunk = struct.pack(">I", len(payload)) + b"eXIf" + payload + crc
        clean_png = scrub.scrub_png(png[:at] + exif_chunk + png[at:])
        assert b"eXIf" not in clean_png and b"Aigerim" not in clean_png


@pytest.mark.parametrize(("fmt", "content_type"), [("WEBP", "image/webp"), ("PNG", "image/png")])
async def test_staff_see_an_anonymous_portrait_photo_upright(ctx: Context, app_client: httpx.AsyncClient,
                                                             citizen: PartnerClient, fmt: str,
                                                             content_type: str) -> None:
    photo = _sideways(fmt, identity_exif().tobytes())
    created = (await citizen.post("/api/v1/media", {"content_type": content_type, "size": len(photo),
                                                    "sha256": sha256_hex(photo)}, headers=keyed())).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    report = await citizen.submit(DRUGS, anonymous=True, category="drugs", media_ids=[created["id"]])
    assert report.status_code == 201, report.text

    [item] = await _linked(app_client, await _console(ctx, app_client), report.json()["id"])
    assert item["withheld"] is None, item
    served = await app_client.get(item["url"].split("127.0.0.1:8000", 1)[1])
    assert served.status_code == 200 and served.headers["content-type"].startswith(content_type)
    assert leaks(served.content) == []
    assert _shown(served.content) == UPRIGHT  # not turned on its side for the officer
