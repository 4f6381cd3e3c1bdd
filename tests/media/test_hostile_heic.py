"""A HEIC that ends inside a box header, found by the media audit; the tests failed before the fix.

A box whose 32-bit size is 1 has its real size in the next 8 bytes. The box reader took those 8 bytes without
checking that they were there: a HEIC whose `meta` box ends with such a header, cut off at the end of the file,
raised struct.error out of the facts reader, and the completion of the citizen's photo was a 500 at every retry,
instead of a photo with no facts (a broken EXIF is best effort everywhere else).
"""

from __future__ import annotations

import io
import struct

import pytest

from backend.media.exif import read_heif_facts
from backend.media.scrub import Malformed, scrub_heif
from tests.helpers import PartnerClient
from tests.media.test_media import declare, upload_local
from tests.media.test_scrub import _box, _full

pytestmark = pytest.mark.anyio


def _cut_heic() -> bytes:
    """ftyp, then a `meta` box whose last child is a 64-bit-size header with its size missing: the file ends."""
    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    hdlr = _full(b"hdlr", 0, b"\x00" * 4 + b"pict" + b"\x00" * 13)
    meta = _full(b"meta", 0, hdlr + struct.pack(">I", 1) + b"iinf")
    return ftyp + meta


def test_the_box_readers_call_it_malformed() -> None:
    data = _cut_heic()
    assert read_heif_facts(io.BytesIO(data), len(data)) is None
    with pytest.raises(Malformed):
        scrub_heif(io.BytesIO(data), len(data))


async def test_its_completion_is_a_photo_without_facts_not_a_500(citizen: PartnerClient) -> None:
    photo = _cut_heic()
    created = (await declare(citizen, photo, content_type="image/heic")).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    facts = done.json()
    assert facts["status"] == "ready" and facts["lat"] is None and facts["taken_at"] is None, facts
