"""Chunked formats small enough to be rewritten in memory: PNG, RIFF (WebP and WAV), MP3 and AAC."""

from __future__ import annotations

import struct

from backend.media.scrub.errors import Malformed

# -- PNG ------------------------------------------------------------------------------------------------------
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# the chunks a picture needs to look right (and APNG's frames); text, eXIf, time, C2PA and private chunks go
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP",
             b"mDCv", b"cLLi", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT"}


def scrub_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise Malformed("no PNG signature")
    out, pos = bytearray(_PNG_SIGNATURE), len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, end = data[pos + 4:pos + 8], pos + 12 + length
        if end > len(data):
            raise Malformed("truncated chunk")
        if kind in _PNG_KEEP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise Malformed("no IEND")


# -- RIFF: WebP and WAV -----------------------------------------------------------------------------------------
_RIFF_KEEP = {
    b"WEBP": {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"},  # not EXIF, XMP
    b"WAVE": {b"fmt ", b"fact", b"data", b"cue ", b"smpl"},  # not LIST/INFO, bext (originator), iXML, id3
}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04
_VP8X_SIZE = 10  # flags, reserved bytes, canvas width and height


def scrub_riff(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] not in _RIFF_KEEP:
        raise Malformed("not a RIFF file of a known form")
    form = data[8:12]
    keep = _RIFF_KEEP[form]
    out, pos = bytearray(), 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        end = pos + 8 + size + (size & 1)  # chunks are padded to an even length
        if pos + 8 + size > len(data):
            raise Malformed("truncated chunk")
        if kind in keep:
            chunk = bytearray(data[pos:min(end, len(data))])
            if kind == b"VP8X":  # the header announces which metadata chunks follow
                if size < _VP8X_SIZE:  # its flags are what is rewritten: a shorter one has none to rewrite
                    raise Malformed(f"VP8X chunk of {size} bytes")
                chunk[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
            out += chunk
        pos = end
    return b"RIFF" + struct.pack("<I", len(out) + 4) + form + bytes(out)


# -- MP3 / AAC: ID3 and APE tags ------------------------------------------------------------------------------
def _syncsafe(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def scrub_tagged_audio(data: bytes) -> bytes:
    """MPEG audio or ADTS AAC without ID3v2 tags in front and ID3v1/APE tags behind."""
    start = 0
    while data[start:start + 3] == b"ID3" and start + 10 <= len(data):
        footer = 10 if data[start + 5] & 0x10 else 0
        start += 10 + _syncsafe(data[start + 6:start + 10]) + footer
    end = len(data)
    if end - start >= 128 and data[end - 128:end - 125] == b"TAG":
        end -= 128
    if end - start >= 32 and data[end - 32:end - 24] == b"APETAGEX":
        (size,) = struct.unpack("<I", data[end - 20:end - 16])  # items + footer
        flags = struct.unpack("<I", data[end - 12:end - 8])[0]
        end -= size + (32 if flags & 0x80000000 else 0)  # and the header, when the tag has one
    if start >= end:
        raise Malformed("no audio between the tags")
    return data[start:end]
