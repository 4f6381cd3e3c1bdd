"""Chunked formats small enough to be rewritten in memory: PNG, RIFF (WebP and WAV), MP3 and AAC."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from backend.media.scrub.errors import Malformed
from backend.media.scrub.jpeg import kept_tiff

# -- PNG ------------------------------------------------------------------------------------------------------
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# the chunks a picture needs to look right (and APNG's frames); text, time, C2PA and private chunks go, and eXIf is
# rewritten with the allowlisted EXIF only (orientation, time and place, as a JPEG's: backend.media.scrub.jpeg)
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP",
             b"mDCv", b"cLLi", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT"}


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Each chunk of the PNG `data` after its signature, in order: (type, start, end), the chunk `data[start:end]`
    (length, type, payload, CRC); Malformed at a chunk that runs past the end of `data`."""
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, end = data[pos + 4:pos + 8], pos + 12 + length
        if end > len(data):
            raise Malformed("truncated chunk")
        yield kind, pos, end
        pos = end


def png_exif(data: bytes) -> bytes | None:
    """The payload of `data`'s eXIf chunk, before or after the picture, found by walking the chunks as far as `data`
    goes, never decoding the picture; None for no PNG, no eXIf, or a head read that ends first."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    try:
        for kind, start, end in _png_chunks(data):
            if kind == b"IEND":
                return None
            if kind == b"eXIf":
                return data[start + 8:end - 4]
    except Malformed:  # a head read of a larger file ends inside a chunk
        return None
    return None


def scrub_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise Malformed("no PNG signature")
    out = bytearray(PNG_SIGNATURE)
    for kind, start, end in _png_chunks(data):
        if kind in _PNG_KEEP:
            out += data[start:end]
        elif kind == b"eXIf" and (exif := kept_tiff(data[start + 8:end - 4])) is not None:
            # where it was: a viewer honours its orientation only before the picture data, as the writer put it
            out += _png_chunk(b"eXIf", exif)
        if kind == b"IEND":
            return bytes(out)
    raise Malformed("no IEND")


# -- RIFF: WebP and WAV -----------------------------------------------------------------------------------------
_RIFF_KEEP = {
    # not XMP; EXIF is rewritten with the allowlisted part only (orientation, time and place, as a JPEG's)
    b"WEBP": {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"},
    b"WAVE": {b"fmt ", b"fact", b"data", b"cue ", b"smpl"},  # not LIST/INFO, bext (originator), iXML, id3
}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04
_VP8X_SIZE = 10  # flags, reserved bytes, canvas width and height
_VP8X_FLAGS = 8  # the flags byte, counted from the start of the chunk (after its type and size)


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def scrub_riff(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] not in _RIFF_KEEP:
        raise Malformed("not a RIFF file of a known form")
    form = data[8:12]
    keep = _RIFF_KEEP[form]
    out, pos = bytearray(), 12
    vp8x: int | None = None  # where the extended header is in `out`: it announces the metadata chunks that follow
    exif = False
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        end = pos + 8 + size + (size & 1)  # chunks are padded to an even length
        if pos + 8 + size > len(data):
            raise Malformed("truncated chunk")
        if kind in keep:
            if kind == b"VP8X":
                if size < _VP8X_SIZE:  # its flags are what is rewritten: a shorter one has none to rewrite
                    raise Malformed(f"VP8X chunk of {size} bytes")
                vp8x = len(out)
            out += data[pos:min(end, len(data))]
        elif kind == b"EXIF" and form == b"WEBP" and vp8x is not None and not exif:
            # a phone's portrait photo is stored sideways with an EXIF orientation: without it staff would see it
            # turned; only an extended WebP (VP8X) carries EXIF, and a reader takes the first chunk
            kept = kept_tiff(data[pos + 8:pos + 8 + size])
            out += _riff_chunk(b"EXIF", kept) if kept is not None else b""
            exif = kept is not None
        pos = end
    if vp8x is not None:
        flags = out[vp8x + _VP8X_FLAGS] & ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        out[vp8x + _VP8X_FLAGS] = flags | (_VP8X_EXIF if exif else 0)
    return b"RIFF" + struct.pack("<I", len(out) + 4) + form + bytes(out)


# -- MP3 / AAC: ID3 and APE tags ------------------------------------------------------------------------------
def _syncsafe(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def scrub_tagged_audio(data: bytes) -> bytes:
    """MPEG audio or ADTS AAC without its tags: ID3v2 in front, and whatever taggers append behind, in any order
    (ID3v1 and its Enhanced TAG, APEv1/v2, Lyrics3 v1/v2, an ID3v2.4 tag with a footer)."""
    start = 0
    while data[start:start + 3] == b"ID3" and start + 10 <= len(data):
        footer = 10 if data[start + 5] & 0x10 else 0
        start += 10 + _syncsafe(data[start + 6:start + 10]) + footer
    end = len(data)
    while (tag := _trailing_tag(data, start, end)) > 0:
        end -= tag
    if start >= end:
        raise Malformed("no audio between the tags")
    return data[start:end]


_LYRICS3_V1_MAX = 5100 + 11 + 9  # its lyrics, LYRICSBEGIN and LYRICSEND


def _trailing_tag(data: bytes, start: int, end: int) -> int:
    """The length of the tag that ends at `end` (none: 0). Each kind is recognised by its closing bytes, and its
    length checked against its opening bytes where it has them; one claiming more than there is raises."""
    room = end - start
    if room >= 128 and data[end - 128:end - 125] == b"TAG":  # ID3v1: the last 128 bytes
        # a "TAG+" block of 227 bytes may come right before it (Enhanced TAG: a longer title, artist, album)
        return 128 + (227 if room >= 355 and data[end - 355:end - 351] == b"TAG+" else 0)
    if room >= 32 and data[end - 32:end - 24] == b"APETAGEX":
        (size,) = struct.unpack("<I", data[end - 20:end - 16])  # items + footer
        (flags,) = struct.unpack("<I", data[end - 12:end - 8])
        length = size + (32 if flags & 0x80000000 else 0)  # and the header, when the tag has one
        if not 32 <= length <= room:
            raise Malformed("an APE tag longer than the file")
        return length
    if room >= 10 and data[end - 10:end - 7] == b"3DI":  # ID3v2.4 appended at the end: its footer closes it
        length = 20 + _syncsafe(data[end - 4:end])  # header + frames + footer
        if length > room or data[end - length:end - length + 3] != b"ID3":
            raise Malformed("an ID3v2 footer without its tag")
        return length
    if room >= 15 and data[end - 9:end] == b"LYRICS200":  # Lyrics3 v2: its length in six digits, then LYRICS200
        digits = data[end - 15:end - 9]
        if not digits.isdigit():
            raise Malformed("a Lyrics3 tag without its length")
        length = int(digits) + 15
        if length > room or data[end - length:end - length + 11] != b"LYRICSBEGIN":
            raise Malformed("a Lyrics3 tag without its beginning")
        return length
    if room >= 20 and data[end - 9:end] == b"LYRICSEND":  # Lyrics3 v1: up to 5100 bytes from LYRICSBEGIN
        begin = data.rfind(b"LYRICSBEGIN", max(start, end - _LYRICS3_V1_MAX), end - 9)
        if begin < 0:
            raise Malformed("a Lyrics3 tag without its beginning")
        return end - begin
    return 0
