"""The metadata scrubbers on real files: Pillow-written JPEG, PNG and WebP, a wave-module WAV, and hand-built MP3,
MP4 and HEIF containers. Each file carries its author's name and device serial in the places real phones and apps
put them; the copy must keep none of it, keep the picture or sound byte for byte, and keep the evidence (time, GPS)."""

from __future__ import annotations

import io
import os
import struct
import wave
from typing import Any

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from backend.media import scrub
from backend.media.service import KINDS
from tests.media.identity import NAME, SERIAL, TAKEN, identity_exif, leaks


def _picture(mode: str = "RGB") -> Image.Image:
    img = Image.new(mode, (64, 48))
    img.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256)[: len(mode)] for y in range(48) for x in range(64)])
    return img


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.tobytes()


def _evidence_kept(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        assert exif.get(0x0112) == 6
        assert exif.get_ifd(0x8769).get(0x9003) == TAKEN
        gps = exif.get_ifd(0x8825)
        assert (gps[1], gps[3]) == ("N", "E") and float(gps[2][0]) == 51.0 and float(gps[4][0]) == 71.0
        assert 0x1B not in gps and 0x013B not in exif and 0x010F not in exif


def _xmp_segment() -> bytes:
    payload = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:creator>" + NAME.encode() + b"</dc:creator></x:xmpmeta>"
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


@pytest.mark.parametrize("options", [{}, {"progressive": True}, {"restart_marker_blocks": 4}])
def test_jpeg_keeps_picture_time_and_place_only(options: dict[str, object]) -> None:
    out = io.BytesIO()
    _picture().save(out, format="JPEG", exif=identity_exif(), comment=f"shot by {NAME}", quality=90, **options)
    original = out.getvalue()
    # XMP after SOI, and a second picture after EOI (a phone's gain map) with its own EXIF
    extra = io.BytesIO()
    Image.new("L", (8, 8)).save(extra, format="JPEG", exif=identity_exif())
    original = original[:2] + _xmp_segment() + original[2:] + extra.getvalue()
    assert len(leaks(original)) == 4

    clean = scrub.scrub_jpeg(original)

    assert leaks(clean) == []
    assert clean.endswith(b"\xff\xd9") and len(clean) < len(original)
    assert _pixels(clean) == _pixels(original)
    _evidence_kept(clean)


def test_jpeg_without_exif_gets_none_and_broken_ones_are_refused() -> None:
    out = io.BytesIO()
    _picture().save(out, format="JPEG")
    plain = out.getvalue()
    assert scrub.scrub_jpeg(plain) == plain  # JFIF header and the picture: nothing to take out
    for broken in (plain[:-200], b"\xff\xd8" + b"\x00" * 20, b"GIF89a"):
        with pytest.raises(scrub.Malformed):
            scrub.scrub_jpeg(broken)


def _with_app0(jpeg: bytes, *payloads: bytes) -> bytes:
    """`jpeg` with its JFIF APP0 segment replaced by APP0 segments of `payloads`."""
    assert jpeg[2:4] == b"\xff\xe0"
    (length,) = struct.unpack(">H", jpeg[4:6])
    segments = b"".join(b"\xff\xe0" + struct.pack(">H", len(p) + 2) + p for p in payloads)
    return jpeg[:2] + segments + jpeg[4 + length:]


_THUMBNAIL = NAME.encode().ljust(48, b"!")  # a 16 x 1 RGB thumbnail: what the picture showed before it was cropped


def test_jfif_keeps_its_header_without_the_thumbnail() -> None:
    """Found by the 2026-12-05 audit: JFIF's APP0 was kept whole, its uncompressed thumbnail with it."""
    out = io.BytesIO()
    _picture().save(out, format="JPEG", exif=identity_exif(), quality=90)
    header = b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48"  # version 1.02, 72 dots per inch
    original = _with_app0(out.getvalue(), header + bytes([16, 1]) + _THUMBNAIL)
    assert leaks(original)

    clean = scrub.scrub_jpeg(original)

    assert leaks(clean) == [] and _THUMBNAIL not in clean
    # the header stays as it was (version, density), announcing a thumbnail of 0 x 0
    assert clean[2:20] == b"\xff\xe0\x00\x10" + header + b"\x00\x00"
    assert _pixels(clean) == _pixels(original)
    _evidence_kept(clean)


def test_jfxx_thumbnails_go_whole() -> None:
    out = io.BytesIO()
    _picture().save(out, format="JPEG")
    plain = out.getvalue()
    jfif = plain[6:6 + struct.unpack(">H", plain[4:6])[0] - 2]
    thumbnails = [b"JFXX\x00\x10" + b"\xff\xd8" + _THUMBNAIL + b"\xff\xd9",  # coded as a JPEG
                  b"JFXX\x00\x13" + bytes([16, 1]) + _THUMBNAIL]  # 3 bytes a pixel
    clean = scrub.scrub_jpeg(_with_app0(plain, jfif, *thumbnails))
    assert _THUMBNAIL not in clean and b"JFXX" not in clean
    assert clean == plain  # JFIF's own header, announcing no thumbnail, and the picture


def test_png_loses_text_chunks_and_keeps_allowlisted_exif() -> None:
    info = PngInfo()
    info.add_text("Author", NAME)
    info.add_itxt("Comment", f"{SERIAL} samsung", zip=True)
    out = io.BytesIO()
    _picture().save(out, format="PNG", pnginfo=info, exif=identity_exif())
    original = out.getvalue()
    assert leaks(original)
    clean = scrub.scrub_png(original)
    assert leaks(clean) == [] and b"zTXt" not in clean and b"iTXt" not in clean
    assert clean.count(b"eXIf") == 1  # rewritten: orientation, time and place only
    _evidence_kept(clean)
    assert _pixels(clean) == _pixels(original)
    with pytest.raises(scrub.Malformed):
        scrub.scrub_png(original[:-12])  # no IEND


def test_webp_loses_xmp_and_keeps_allowlisted_exif_and_says_so_in_its_header() -> None:
    out = io.BytesIO()
    _picture().save(out, format="WEBP", lossless=True, exif=identity_exif().tobytes(),
                    xmp=b"<x:xmpmeta>" + NAME.encode() + b"</x:xmpmeta>")
    original = out.getvalue()
    assert leaks(original)
    clean = scrub.scrub_riff(original)
    assert leaks(clean) == [] and b"XMP " not in clean and clean.count(b"EXIF") == 1
    _evidence_kept(clean)  # rewritten: orientation, time and place only
    assert struct.unpack("<I", clean[4:8])[0] == len(clean) - 8
    vp8x = clean.index(b"VP8X")
    assert clean[vp8x + 8] & 0x0C == 0x08  # EXIF announced, XMP not
    assert _pixels(clean) == _pixels(original)


def test_wav_loses_info_and_originator_chunks() -> None:
    out = io.BytesIO()
    frames = os.urandom(8000)
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames)
    name = NAME.encode() + b"\x00"
    info = b"INFO" + b"IART" + struct.pack("<I", len(name)) + name + (b"\x00" if len(name) % 2 else b"")
    bext = SERIAL.encode() * 3 + b"\x00"  # odd length: padded
    body = out.getvalue()[12:] + b"LIST" + struct.pack("<I", len(info)) + info
    body += b"bext" + struct.pack("<I", len(bext)) + bext + b"\x00"
    original = b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body
    clean = scrub.scrub_riff(original)
    assert leaks(original) and leaks(clean) == []
    with wave.open(io.BytesIO(clean)) as w:
        assert w.readframes(w.getnframes()) == frames


def test_mp3_loses_id3_and_ape_tags() -> None:
    frames = b"\xff\xfb\x90\x00" + os.urandom(4000)
    tag = b"TPE1" + struct.pack(">I", len(NAME) + 1) + b"\x00\x00\x00" + NAME.encode()
    size = len(tag)
    id3v2 = b"ID3\x04\x00\x00" + bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    id3v1 = b"TAG" + NAME.encode().ljust(30, b"\x00") + SERIAL.encode().ljust(95, b"\x00")
    items = b"\x07\x00\x00\x00\x00\x00\x00\x00Artist\x00" + b"samsung"
    ape = items + b"APETAGEX" + struct.pack("<III", 2000, len(items) + 32, 1) + struct.pack("<I", 0) + bytes(8)
    assert scrub.scrub_tagged_audio(id3v2 + tag + frames + ape + id3v1) == frames
    assert scrub.scrub_tagged_audio(frames) == frames


def _id3v2(frames: bytes, *, footer: bool = False) -> bytes:
    size = bytes([(len(frames) >> 21) & 0x7F, (len(frames) >> 14) & 0x7F, (len(frames) >> 7) & 0x7F,
                  len(frames) & 0x7F])
    if not footer:
        return b"ID3\x04\x00\x00" + size + frames
    return b"ID3\x04\x00\x10" + size + frames + b"3DI\x04\x00\x10" + size


def _ape(with_header: bool) -> bytes:
    items = b"\x07\x00\x00\x00\x00\x00\x00\x00Artist\x00" + b"samsung"
    flags = 0x80000000 if with_header else 0
    # version, size (items and footer), item count, flags (bit 31: there is a header; bit 29: this is it)
    header = b"APETAGEX" + struct.pack("<IIII", 2000, len(items) + 32, 1, flags | 0x20000000) + bytes(8)
    footer = b"APETAGEX" + struct.pack("<IIII", 2000, len(items) + 32, 1, flags) + bytes(8)
    return (header if with_header else b"") + items + footer


def _lyrics3_v2() -> bytes:
    body = b"LYRICSBEGIN" + b"IND00003110" + b"AUT" + f"{len(NAME):05d}".encode() + NAME.encode()
    return body + f"{len(body):06d}".encode() + b"LYRICS200"


_ID3V1 = b"TAG" + NAME.encode().ljust(30, b"\x00") + SERIAL.encode().ljust(95, b"\x00")
_ENHANCED_TAG = b"TAG+" + NAME.encode().ljust(60, b"\x00") + SERIAL.encode().ljust(163, b"\x00")


@pytest.mark.parametrize("trailer", [
    pytest.param(lambda tag: _id3v2(tag, footer=True), id="id3v2.4 with its footer, appended"),
    pytest.param(lambda tag: _id3v2(tag, footer=True) + _ID3V1, id="id3v2.4 appended, then id3v1"),
    pytest.param(lambda tag: _ape(True) + _lyrics3_v2() + _ID3V1, id="ape, lyrics3 v2, id3v1"),
    pytest.param(lambda tag: _lyrics3_v2() + _ape(False), id="lyrics3 v2, then apev1"),
    pytest.param(lambda tag: b"LYRICSBEGIN" + NAME.encode() + b"LYRICSEND" + _ID3V1, id="lyrics3 v1, id3v1"),
    pytest.param(lambda tag: _ENHANCED_TAG + _ID3V1, id="enhanced tag and id3v1"),
    pytest.param(lambda tag: _ID3V1 + _id3v2(tag, footer=True), id="id3v1, then id3v2.4"),
])
def test_tags_appended_after_the_audio_go(trailer: Any) -> None:
    """Found by the 2026-12-05 audit: an ID3v2.4 tag at the end (closed by its "3DI" footer) and Lyrics3 tags stayed,
    and so did any tag behind another one (the ID3v1 128 bytes were looked for only at the very end)."""
    frames = b"\xff\xfb\x90\x00" + os.urandom(4000)
    tag = b"TPE1" + struct.pack(">I", len(NAME) + 1) + b"\x00\x00\x00" + NAME.encode()
    original = _id3v2(tag) + frames + trailer(tag)
    assert leaks(original)
    assert scrub.scrub_tagged_audio(original) == frames


@pytest.mark.parametrize("trailer", [
    pytest.param(b"3DI\x04\x00\x10\x00\x00\x00\x20", id="an id3v2 footer without its tag"),
    pytest.param(b"LYRICSBEGINAUT00005Abcde000099LYRICS200", id="a lyrics3 v2 length past its beginning"),
    pytest.param(b"LYRICSEND", id="lyrics3 v1 without its beginning"),
    pytest.param(b"APETAGEX" + struct.pack("<IIII", 2000, 1 << 30, 1, 0) + bytes(8), id="an ape tag past the file"),
])
def test_a_trailing_tag_that_does_not_parse_is_malformed(trailer: bytes) -> None:
    """What looks like a tag but cannot be measured may hold anything: the file is not handed out (not copied raw)."""
    frames = b"\xff\xfb\x90\x00" + os.urandom(4000)
    with pytest.raises(scrub.Malformed):
        scrub.scrub_tagged_audio(frames + trailer)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload) + 8) + kind + payload


def _full(kind: bytes, version: int, payload: bytes) -> bytes:
    return _box(kind, bytes([version, 0, 0, 0]) + payload)


def _boxes_at_top(data: bytes) -> list[bytes]:
    kinds, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        kinds.append(kind)
        pos += size
    return kinds


def test_video_metadata_boxes_become_free_space_in_place() -> None:
    ftyp = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    mvhd = _full(b"mvhd", 0, os.urandom(96))
    location = _box(b"\xa9xyz", b"\x00\x12\x00\x00+51.1605+071.4704/")
    udta = _box(b"udta", location + _box(b"\xa9mak", b"samsung") + _box(b"\xa9nam", NAME.encode()))
    apple = _full(b"meta", 0, _full(b"hdlr", 0, b"\x00" * 4 + b"mdta" + b"\x00" * 13) + _box(b"keys", SERIAL.encode()))
    tkhd = _full(b"tkhd", 0, os.urandom(80))
    trak = _box(b"trak", tkhd + _box(b"udta", _box(b"name", NAME.encode())))
    xmp = _box(b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + b"<x:xmpmeta/>")
    mdat = _box(b"mdat", os.urandom(5000))
    original = ftyp + _box(b"moov", mvhd + udta + apple + trak + xmp) + mdat
    fh = io.BytesIO(original)

    assert scrub.scrub_isobmff(fh, len(original)) == 5

    clean = fh.getvalue()
    assert len(clean) == len(original) and leaks(clean) == []
    # where they were: the sample offsets into mdat still hold. The location stays, evidence like a photo's GPS
    # (and no more than the report's own location says)
    for kept in (ftyp, mvhd, tkhd, mdat, location):
        assert clean.index(kept) == original.index(kept)
    assert _boxes_at_top(clean) == [b"ftyp", b"moov", b"mdat"]
    assert clean.count(b"free") == 5


def test_a_video_location_that_is_not_only_coordinates_goes() -> None:
    for text in (b"+51.1605+071.4704/ " + NAME.encode(), NAME.encode()):
        location = _box(b"\xa9xyz", len(text).to_bytes(2, "big") + b"\x00\x00" + text)
        original = _box(b"ftyp", b"isom\x00\x00\x02\x00isom") + _box(b"moov", _box(b"udta", location))
        fh = io.BytesIO(original)
        assert scrub.scrub_isobmff(fh, len(original)) == 1 and leaks(fh.getvalue()) == []
    with pytest.raises(scrub.Malformed):
        scrub.scrub_isobmff(io.BytesIO(b"RIFF....WEBP"), 12)


def test_heif_rewrites_its_exif_and_xmp_items_and_nothing_else() -> None:
    exif_item = struct.pack(">I", 6) + identity_exif().tobytes()
    xmp_item = b"<x:xmpmeta><dc:creator>" + NAME.encode() + b"</dc:creator></x:xmpmeta>"
    picture = os.urandom(3000)
    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")

    def meta(picture_at: int, exif_at: int, xmp_at: int) -> bytes:
        infe = [_full(b"infe", 2, struct.pack(">HH", 1, 0) + b"hvc1" + b"\x00"),
                _full(b"infe", 2, struct.pack(">HH", 2, 0) + b"Exif" + b"\x00"),
                _full(b"infe", 2, struct.pack(">HH", 3, 0) + b"mime" + b"\x00" + b"application/rdf+xml\x00")]
        iinf = _full(b"iinf", 0, struct.pack(">H", 3) + b"".join(infe))
        entries = b"".join(struct.pack(">HHHHII", item, 0, 0, 1, at, length) for item, at, length in (
            (1, picture_at, len(picture)), (2, exif_at, len(exif_item)), (3, xmp_at, len(xmp_item))))
        iloc = _full(b"iloc", 1, bytes([0x44, 0x00]) + struct.pack(">H", 3) + entries)
        return _full(b"meta", 0, _full(b"hdlr", 0, b"\x00" * 4 + b"pict" + b"\x00" * 13) + iinf + iloc)

    size = len(meta(0, 0, 0))  # offsets do not change the layout's size
    start = len(ftyp) + size + 8
    layout = meta(start, start + len(picture), start + len(picture) + len(exif_item))
    original = ftyp + layout + _box(b"mdat", picture + exif_item + xmp_item)
    fh = io.BytesIO(original)

    assert scrub.scrub_isobmff(fh, len(original), image=True) == 2

    clean = fh.getvalue()
    assert len(clean) == len(original) and leaks(clean) == []
    assert clean[:start + len(picture)] == original[:start + len(picture)]  # structure and picture untouched
    item = clean[start + len(picture):start + len(picture) + len(exif_item)]
    exif = Image.Exif()
    exif.load(item[4 + struct.unpack(">I", item[:4])[0]:])
    assert exif.get_ifd(0x8769).get(0x9003) == TAKEN and exif.get_ifd(0x8825)[1] == "N"
    assert 0x013B not in exif and 0xA430 not in exif.get_ifd(0x8769)
    assert clean[-len(xmp_item):] == b" " * len(xmp_item)


def test_every_accepted_type_has_a_scrubber_and_others_are_refused_not_passed_through() -> None:
    accepted = {content_type for kind in KINDS for content_type in kind.content_types}
    assert {content_type: scrub.kind_of_scrub(content_type) for content_type in accepted} == {
        **dict.fromkeys(("image/jpeg", "image/png", "image/webp", "audio/wav", "audio/mpeg", "audio/aac", "audio/ogg"),
                        "memory"),
        **dict.fromkeys(("video/mp4", "video/quicktime", "video/3gpp", "audio/mp4", "image/heic", "image/heif",
                         "video/webm", "audio/webm"), "in_place"),
        "audio/amr": "as_is"}
    with pytest.raises(scrub.Unsupported):
        scrub.kind_of_scrub("video/x-matroska")


def test_a_3gpp_location_keeps_its_coordinates_and_loses_its_place_name_and_notes() -> None:
    coordinates = struct.pack(">iii", int(71.4704 * 65536), int(51.1605 * 65536), 0)
    payload = (b"\x00\x00\x00\x00" + b"\x15\xc7" + f"Home of {NAME}".encode() + b"\x00" + b"\x00" + coordinates
               + b"earth\x00" + SERIAL.encode() + b"\x00")
    original = _box(b"ftyp", b"3gp4\x00\x00\x02\x00isom") + _box(b"moov", _box(b"udta", _box(b"loci", payload)))
    fh = io.BytesIO(original)
    assert scrub.scrub_isobmff(fh, len(original)) == 0
    clean = fh.getvalue()
    assert leaks(clean) == [] and len(clean) == len(original)
    loci = clean[clean.index(b"loci") + 4:]
    assert loci[:7] == b"\x00\x00\x00\x00\x15\xc7\x00" and loci[7:20] == b"\x00" + coordinates  # role, coordinates


def test_an_iphone_meta_box_in_moov_keeps_location_and_date_values_only() -> None:
    """Where an iPhone puts it (FFmpeg puts the same box in udta): QuickTime's meta is not a full box."""
    names = (b"com.apple.quicktime.location.ISO6709", b"com.apple.quicktime.model",
             b"com.apple.quicktime.creationdate", b"com.apple.quicktime.location.ISO6709")
    keys = _full(b"keys", 0, struct.pack(">I", len(names))
                 + b"".join(struct.pack(">I", len(n) + 8) + b"mdta" + n for n in names))
    values = (b"+51.1605+071.4704/", f"iPhone 15 of {NAME}".encode(), b"2026-11-20T21:15:03+0500",
              b"+51.1605+071.4704/ " + SERIAL.encode())  # a location with a serial riding along goes
    ilst = _box(b"ilst", b"".join(_box((i + 1).to_bytes(4, "big"), _box(b"data", b"\x00\x00\x00\x01" + bytes(4) + v))
                                  for i, v in enumerate(values)))
    meta = _box(b"meta", _full(b"hdlr", 0, bytes(4) + b"mdta" + bytes(13)) + keys + ilst)
    original = _box(b"ftyp", b"qt  \x00\x00\x02\x00qt  ") + _box(b"moov", _full(b"mvhd", 0, bytes(96)) + meta)
    fh = io.BytesIO(original)
    assert scrub.scrub_isobmff(fh, len(original)) == 2
    clean = fh.getvalue()
    assert leaks(clean) == []
    assert clean.count(b"+51.1605+071.4704/") == 1 and b"2026-11-20T21:15:03+0500" in clean
