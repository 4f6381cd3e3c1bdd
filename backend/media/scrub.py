"""Identity-bearing metadata removed from a citizen's file, without touching the picture or the sound.

An anonymous report must not name its author to the police, and the author's files can: a photo's EXIF carries the
camera owner's name, the body and lens serial numbers and a maker note full of both; XMP and IPTC blocks carry
account names; a JPEG thumbnail can show the picture before it was cropped; a video's `udta`/`meta` boxes name
the phone; a voice memo's ID3 or RIFF INFO tags name whoever recorded it. Staff get a copy with all of that gone.

The rule is an allowlist: only what rendering needs (orientation, colour profile, pixel layout) and what makes the
file evidence (when and where it was taken: EXIF time and GPS) survives. The coded picture and sound are copied
byte for byte, never decoded and re-encoded, so the copy is exactly as good as evidence as the original.

Formats whose metadata cannot be removed this way (WebM/Matroska, Ogg) are not served for anonymous reports at
all: `kind_of_scrub` raises Unsupported and staff see the file listed without a link (the original stays in the store).
"""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

from PIL import Image


class Unsupported(Exception):
    """No scrubber for this type: the file cannot be handed out without its author's metadata."""


class Malformed(Exception):
    """The file does not parse as its type claims: nothing safe can be made of it."""


# -- JPEG -----------------------------------------------------------------------------------------------------
_KEEP_IFD0 = {0x0112, 0x011A, 0x011B, 0x0128, 0x0132}  # orientation, resolution, DateTime
_KEEP_EXIF = {0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0xA001, 0xA002, 0xA003}  # times, offsets, colour space, size
# GPS: version, position, altitude, time, direction, date, horizontal error (not the free-text processing method
# and area information, which apps fill with whatever they like)
_KEEP_GPS = {0, 1, 2, 3, 4, 5, 6, 7, 0x10, 0x11, 0x1D, 0x1F}
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_SOS, _EOI, _APP0, _APP2, _APP14, _COM = 0xDA, 0xD9, 0xE0, 0xE2, 0xEE, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length


def _exif_of_jpeg(data: bytes) -> Image.Exif | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.getexif()
    except Exception:  # a broken EXIF block is simply not carried over
        return None


def _kept_exif(exif: Image.Exif | None) -> bytes | None:
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


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == _APP0:
        return payload.startswith(b"JFIF\x00")  # not JFXX, which is a thumbnail
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
    exif = _kept_exif(_exif_of_jpeg(data))
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
            out += data[pos - 2:end]
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


# -- ISO base media (MP4, MOV, 3GP, M4A): in place --------------------------------------------------------------
_METADATA_BOXES = {b"udta", b"meta", b"uuid"}  # user data (©xyz location, make), Apple's keys, XMP
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"moof", b"traf", b"edts"}


def _boxes(fh: BinaryIO, start: int, end: int) -> list[tuple[int, int, int, bytes]]:
    """(offset, header length, total size, type) of the boxes in [start, end)."""
    found, pos = [], start
    while pos + 8 <= end:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            raise Malformed("truncated box header")
        size, kind = struct.unpack(">I4s", header)
        header_len = 8
        if size == 1:
            size, header_len = struct.unpack(">Q", fh.read(8))[0], 16
        elif size == 0:
            size = end - pos
        if size < header_len or pos + size > end:
            raise Malformed(f"box {kind!r} overruns its parent")
        found.append((pos, header_len, size, kind))
        pos += size
    return found


def _blank(fh: BinaryIO, offset: int, header_len: int, box_size: int) -> None:
    fh.seek(offset + header_len - 4)
    fh.write(b"free")
    fh.write(bytes(box_size - header_len))


def scrub_isobmff(fh: BinaryIO, size: int, *, image: bool = False) -> int:
    """Turn every metadata box into a `free` box of the same size, zero-filled. Nothing moves, so the sample
    tables' absolute offsets into `mdat` stay right. In a HEIF image (`image`) the top-level `meta` box *is* the
    picture's structure: there only the EXIF and XMP items are rewritten in place. Returns how many boxes or items
    were blanked."""
    blanked = 0

    def walk(start: int, end: int, top: bool) -> None:
        nonlocal blanked
        for offset, header_len, box_size, kind in _boxes(fh, start, end):
            if top and image and kind == b"meta":
                blanked += _scrub_heif_items(fh, offset + header_len + 4, offset + box_size)
            elif kind in _METADATA_BOXES:
                _blank(fh, offset, header_len, box_size)
                blanked += 1
            elif kind in _CONTAINERS:
                walk(offset + header_len, offset + box_size, False)

    fh.seek(0)
    if fh.read(8)[4:8] not in (b"ftyp", b"moov", b"wide", b"mdat", b"free", b"skip"):
        raise Malformed("not an ISO base media file")
    walk(0, size, True)
    return blanked


def _uint(raw: bytes) -> int:
    return int.from_bytes(raw, "big") if raw else 0


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise Malformed("truncated box")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint(self, n: int) -> int:
        return _uint(self.take(n))

    def version(self) -> int:
        """A full box's version (its flags skipped)."""
        version = self.uint(1)
        self.take(3)
        return version

    def cstring(self) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise Malformed("unterminated string")
        text, self.pos = self.data[self.pos:end], end + 1
        return text


def _heif_metadata_items(fh: BinaryIO, iinf: tuple[int, int, int, bytes]) -> dict[int, str]:
    """item id → "exif" | "xmp" for the metadata items that `iinf` declares."""
    offset, header_len, box_size, _ = iinf
    fh.seek(offset + header_len)
    body = _Reader(fh.read(box_size - header_len))
    version = body.version()
    body.take(2 if version == 0 else 4)  # entry count: the boxes themselves say it
    found: dict[int, str] = {}
    entries_start = offset + header_len + body.pos
    for entry, entry_header, entry_size, kind in _boxes(fh, entries_start, offset + box_size):
        if kind != b"infe":
            continue
        fh.seek(entry + entry_header)
        infe = _Reader(fh.read(entry_size - entry_header))
        infe_version = infe.version()
        if infe_version < 2:
            continue  # no item types before version 2; HEIF writers use 2 and 3
        item_id = infe.uint(2 if infe_version == 2 else 4)
        infe.take(2)  # protection index
        item_type = infe.take(4)
        infe.cstring()  # name
        if item_type == b"Exif":
            found[item_id] = "exif"
        elif item_type == b"mime" and infe.cstring().lower().startswith(b"application/rdf+xml"):
            found[item_id] = "xmp"
    return found


def _heif_extents(fh: BinaryIO, iloc: tuple[int, int, int, bytes], wanted: set[int],
                  idat_start: int | None) -> dict[int, list[tuple[int, int]]]:
    """item id → [(file offset, length)] for the `wanted` items."""
    offset, header_len, box_size, _ = iloc
    fh.seek(offset + header_len)
    body = _Reader(fh.read(box_size - header_len))
    version = body.version()
    sizes = body.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 0x0F
    more = body.uint(1)
    base_size, index_size = more >> 4, (more & 0x0F) if version in (1, 2) else 0
    extents: dict[int, list[tuple[int, int]]] = {}
    for _ in range(body.uint(2 if version < 2 else 4)):
        item_id = body.uint(2 if version < 2 else 4)
        method = body.uint(2) & 0x0F if version in (1, 2) else 0
        body.take(2)  # data reference index
        base = body.uint(base_size)
        spans = []
        for _ in range(body.uint(2)):
            body.take(index_size)
            spans.append((base + body.uint(offset_size), body.uint(length_size)))
        if item_id not in wanted:
            continue
        if method == 1 and idat_start is not None:
            spans = [(idat_start + start, length) for start, length in spans]
        elif method != 0:
            raise Malformed(f"metadata item {item_id} stored by reference")
        if any(length == 0 for _, length in spans):
            raise Malformed(f"metadata item {item_id} without a length")
        extents[item_id] = spans
    return extents


def _scrub_heif_items(fh: BinaryIO, start: int, end: int) -> int:
    children = {box[3]: box for box in _boxes(fh, start, end)}
    for kind in (b"udta", b"uuid"):
        if kind in children:
            _blank(fh, *children[kind][:3])
    if b"iinf" not in children:
        return 0
    items = _heif_metadata_items(fh, children[b"iinf"])
    if not items:
        return 0
    if b"iloc" not in children:
        raise Malformed("metadata items without locations")
    idat = children.get(b"idat")
    located = _heif_extents(fh, children[b"iloc"], set(items), idat[0] + idat[1] if idat else None)
    for item_id, spans in located.items():
        total = sum(length for _, length in spans)
        if items[item_id] == "exif":
            fh.seek(spans[0][0])
            payload = fh.read(min(spans[0][1], total))
            replacement = _heif_exif(payload, total)
        else:  # XMP: whitespace is what XMP pads with; an empty packet reads as no metadata
            replacement = b" " * total
        written = 0
        for span_start, length in spans:
            fh.seek(span_start)
            fh.write(replacement[written:written + length])
            written += length
    return len(located)


# an EXIF item with an empty TIFF directory: offset 0 to the header, big-endian header, no entries, no next IFD
_EMPTY_HEIF_EXIF = b"\x00\x00\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"


def _heif_exif(payload: bytes, total: int) -> bytes:
    """The allowlisted EXIF in HEIF's item layout (a 4-byte offset to the TIFF header, then the data), padded with
    zeros to the item's length; an empty directory when it does not fit."""
    exif: Image.Exif | None = None
    if len(payload) > 4:
        tiff = payload[4 + _uint(payload[:4]):]
        exif = Image.Exif()
        try:
            exif.load(b"Exif\x00\x00" + tiff)
        except Exception:  # unreadable: replaced by an empty directory
            exif = None
    kept = _kept_exif(exif)
    item = struct.pack(">I", 6) + kept if kept else _EMPTY_HEIF_EXIF
    if len(item) > total:
        item = _EMPTY_HEIF_EXIF if total >= len(_EMPTY_HEIF_EXIF) else b""
    return item + bytes(total - len(item))


IN_MEMORY = {
    "image/jpeg": scrub_jpeg,
    "image/png": scrub_png,
    "image/webp": scrub_riff,
    "audio/wav": scrub_riff,
    "audio/mpeg": scrub_tagged_audio,
    "audio/aac": scrub_tagged_audio,
}
IN_PLACE = {"video/mp4", "video/quicktime", "video/3gpp", "audio/mp4", "image/heic", "image/heif"}
AS_IS = {"audio/amr"}  # a header and speech frames: there is nowhere to put metadata


def kind_of_scrub(content_type: str) -> str:
    """"memory" (small, rewritten), "in_place" (blanked in a copy on disk), "as_is" or raises Unsupported."""
    if content_type in IN_MEMORY:
        return "memory"
    if content_type in IN_PLACE:
        return "in_place"
    if content_type in AS_IS:
        return "as_is"
    raise Unsupported(content_type)
