"""JPEG: only allowlisted EXIF survives; the entropy-coded picture is copied byte for byte. The EXIF allowlist is
shared with HEIF's EXIF item."""

from __future__ import annotations

import io
import struct

from PIL import Image

from backend.media.scrub.errors import Malformed

_KEEP_IFD0 = {0x0112, 0x011A, 0x011B, 0x0128, 0x0132}  # orientation, resolution, DateTime
_KEEP_EXIF = {0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0xA001, 0xA002, 0xA003}  # times, offsets, colour space, size
# GPS: version, position, altitude, time, direction, date, horizontal error (not the free-text processing method
# and area information, which apps fill with whatever they like)
_KEEP_GPS = {0, 1, 2, 3, 4, 5, 6, 7, 0x10, 0x11, 0x1D, 0x1F}
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_SOS, _EOI, _APP0, _APP2, _APP14, _COM = 0xDA, 0xD9, 0xE0, 0xE2, 0xEE, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length


# the formats whose EXIF Pillow reads from the file (HEIF's is read from its boxes: isobmff.heif_exif_item)
_EXIF_FORMATS = ("JPEG", "WEBP")


def exif_of(data: bytes) -> Image.Exif:
    """The EXIF of the JPEG or WebP picture `data`, read from its headers, never by decoding its pixels (a PNG's is
    its eXIf chunk: `chunks.png_exif`, as Pillow decodes a PNG to find one placed after its picture). `Image.open`
    refuses a picture of over ~179 megapixels (DecompressionBombError: a panorama, or a header that says so), to guard
    decoding it: such a one is opened by its format's own reader, which parses the headers and checks no size.
    Raises what Image.open raises for a file that is none of these."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.getexif()
    except Image.DecompressionBombError as refused:
        bomb = refused
    Image.init()
    for name in _EXIF_FORMATS:
        reader, accept = Image.OPEN[name]
        if accept is None or accept(data[:16]):
            with reader(io.BytesIO(data), "") as img:
                return img.getexif()
    raise bomb


def _exif_of_jpeg(data: bytes) -> Image.Exif | None:
    try:
        return exif_of(data)
    except Exception:  # a broken EXIF block is simply not carried over
        return None


EXIF_HEADER = b"Exif\x00\x00"  # what JPEG's APP1 puts before the TIFF data (and what `kept_exif` returns it after)


def exif_of_tiff(data: bytes) -> Image.Exif | None:
    """EXIF held as bare TIFF data (HEIF's EXIF item, PNG's eXIf, WebP's EXIF chunk; some writers put EXIF_HEADER
    in front) read by Pillow; None when there is none or it does not parse, whatever Pillow raises for it."""
    if not data:
        return None
    exif = Image.Exif()
    try:
        exif.load(data if data.startswith(EXIF_HEADER) else EXIF_HEADER + data)
    except Exception:
        return None
    return exif


def kept_tiff(data: bytes) -> bytes | None:
    """The allowlisted part of EXIF held as bare TIFF data (`exif_of_tiff`), as bare TIFF data; None when nothing of
    it is kept or it does not parse."""
    kept = kept_exif(exif_of_tiff(data))
    return kept[len(EXIF_HEADER):] if kept else None


def kept_exif(exif: Image.Exif | None) -> bytes | None:
    """The allowlisted part of `exif` ("Exif\\0\\0" + TIFF), or None when nothing of it is kept."""
    if exif is None:
        return None
    try:
        sub, gps = dict(exif.get_ifd(_EXIF_IFD)), dict(exif.get_ifd(_GPS_IFD))
        kept = Image.Exif()
        for tag in _KEEP_IFD0 & set(exif):
            kept[tag] = exif[tag]
        if sub_kept := {tag: value for tag, value in sub.items() if tag in _KEEP_EXIF}:
            kept[_EXIF_IFD] = sub_kept
        if gps_kept := {tag: value for tag, value in gps.items() if tag in _KEEP_GPS}:
            kept[_GPS_IFD] = gps_kept
        return kept.tobytes() if len(kept) else None
    except Exception:  # as above: what cannot be re-encoded is dropped, never copied raw
        return None


# JFIF's APP0: "JFIF\0", version, density units, X and Y density, then the width and height of an uncompressed RGB
# thumbnail that fills the rest of the segment
_JFIF_HEADER = 14


def _jfif_without_thumbnail(payload: bytes) -> bytes:
    """JFIF's APP0 segment with its header alone, announcing no thumbnail: a thumbnail can show the picture before it
    was cropped. Nothing for a header too short to be one (the decoder does without it)."""
    if len(payload) < _JFIF_HEADER:
        return b""
    header = payload[:_JFIF_HEADER - 2] + b"\x00\x00"
    return b"\xff\xe0" + struct.pack(">H", len(header) + 2) + header


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == _APP0:
        # JFIF only (rewritten without its thumbnail by the caller); not JFXX, whose every kind is a thumbnail
        return payload.startswith(b"JFIF\x00")
    if marker == _APP2:
        return payload.startswith(b"ICC_PROFILE\x00")  # not MPF, which points at more pictures
    if marker == _APP14:
        return payload.startswith(b"Adobe")  # the colour transform the decoder needs
    # every other APPn (EXIF, XMP, IPTC, maker blocks) and comments go
    return not (0xE0 <= marker <= 0xEF or marker == _COM)


def scrub_jpeg(data: bytes) -> bytes:
    """The JPEG with only allowlisted EXIF, ending at the first picture's EOI (phones append depth maps and gain
    maps, each a JPEG with its own metadata, after it)."""
    if not data.startswith(b"\xff\xd8"):
        raise Malformed("no SOI")
    out = bytearray(b"\xff\xd8")
    exif = kept_exif(_exif_of_jpeg(data))
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise Malformed(f"marker expected at {pos}")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise Malformed("truncated marker")
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += bytes((0xFF, marker))
            continue
        if pos + 2 > len(data):
            raise Malformed("truncated segment")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        payload = data[pos + 2:pos + length]
        if length < 2 or len(payload) != length - 2:
            raise Malformed("truncated segment")
        end = pos + length
        if exif is not None and marker != _APP0:
            # EXIF goes right after SOI (after JFIF's APP0 when there is one)
            out += b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
            exif = None
        if _keep_jpeg_segment(marker, payload):
            out += _jfif_without_thumbnail(payload) if marker == _APP0 else data[pos - 2:end]
        pos = end
        if marker == _SOS:  # entropy-coded data runs to the next marker that is not a stuffed byte or a restart
            scan = pos
            while True:
                scan = data.find(b"\xff", scan)
                if scan < 0 or scan + 1 >= len(data):
                    raise Malformed("scan runs past the end")
                following = data[scan + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    scan += 1 if following == 0xFF else 2
                    continue
                break
            out += data[pos:scan]
            pos = scan
    raise Malformed("no EOI")
