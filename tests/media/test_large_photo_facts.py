"""A photo whose header names more pixels than Pillow agrees to open (~179 megapixels: a panorama, or a header that
says so) is completed like any other, with its time and place: only its EXIF is read, never a pixel (failed before
with a 500 at every completion, the file never usable)."""

from __future__ import annotations

import struct

import pytest
from PIL import Image

from tests.helpers import PartnerClient, jpeg_with_exif
from tests.media.test_media import declare, upload_local

pytestmark = pytest.mark.anyio
_SOF = (0xC0, 0xC1, 0xC2)  # baseline, extended, progressive


def _claiming(photo: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF) naming `width` × `height` pixels: what Pillow's size check reads."""
    pos = 2
    while True:
        marker = photo[pos + 1]
        (length,) = struct.unpack(">H", photo[pos + 2:pos + 4])
        if marker in _SOF:  # FF Cn, length, precision, then height and width
            return photo[:pos + 5] + struct.pack(">HH", height, width) + photo[pos + 9:]
        pos += 2 + length


async def test_a_photo_of_more_pixels_than_pillow_opens_completes_with_its_facts(citizen: PartnerClient) -> None:
    photo = _claiming(jpeg_with_exif(), 60000, 40000)  # 2.4 gigapixels, in a file of under a kilobyte
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, (done.status_code, done.text[:300])
    body = done.json()
    assert body["status"] == "ready"
    assert (body["lat"], body["lon"]) == (pytest.approx(51.1605, abs=1e-4), pytest.approx(71.4704, abs=1e-4))
    assert body["taken_at"] is not None


def test_the_anonymous_copy_of_such_a_photo_keeps_its_time_and_place_and_loses_its_author() -> None:
    from backend.media.scrub import scrub_jpeg
    from tests.media.identity import TAKEN, identity_jpeg, leaks

    copy = scrub_jpeg(_claiming(identity_jpeg(), 60000, 40000))
    assert leaks(copy) == []
    exif = Image.Exif()
    exif.load(copy[copy.index(b"Exif\x00\x00"):])  # before: no EXIF was kept at all, evidence lost with the author
    assert exif.get_ifd(0x8769)[0x9003] == TAKEN
    assert exif.get_ifd(0x8825)[2] == (51.0, 9.0, 37.8)
