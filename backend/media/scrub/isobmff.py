"""ISO base media (MP4, MOV, 3GP, M4A, HEIF), scrubbed in place in a copy on disk: nothing moves."""

from __future__ import annotations

import re
import struct
from typing import BinaryIO

from PIL import Image

from backend.media.scrub.errors import Malformed
from backend.media.scrub.jpeg import exif_of_tiff, kept_exif
from backend.media.scrub.location import is_coordinates

_METADATA_BOXES = {b"udta", b"meta", b"uuid"}  # user data (names, make, software), Apple's keys, XMP
_LOCATION = b"\xa9xyz"  # the one user-data box kept (backend/media/scrub/location.py)
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
            # the real size follows: a file may end before it does (struct.error from the completion's facts
            # reader was a 500 for the citizen's photo)
            extended = fh.read(8)
            if len(extended) < 8:
                raise Malformed("truncated box header")
            size, header_len = struct.unpack(">Q", extended)[0], 16
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


def _keep_location(fh: BinaryIO, box: tuple[int, int, int, bytes]) -> bool:
    """Whether a `udta` child is a location kept as evidence (backend/media/scrub/location.py), made safe in place:
    a QuickTime ©xyz (Android) holding ISO 6709 coordinates and nothing else, or a 3GPP `loci` (FFmpeg, 3GP
    cameras), whose free-text place name and notes are emptied, keeping the fixed-point coordinates."""
    offset, header_len, size, kind = box
    fh.seek(offset + header_len)
    payload = fh.read(size - header_len)
    if kind == _LOCATION:
        return len(payload) >= 4 and _uint(payload[:2]) == len(payload) - 4 and is_coordinates(payload[4:])
    if kind != b"loci" or len(payload) < 7:
        return False
    # version and flags (4), language (2), name (a C string, or UTF-16 with a BOM), role (1), longitude, latitude,
    # altitude (3 x 4), astronomical body and notes (C strings)
    utf16 = payload[6:8] in (b"\xfe\xff", b"\xff\xfe")
    end = payload.find(b"\x00\x00", 8) if utf16 else payload.find(b"\x00", 6)
    name_end = end + (2 if utf16 else 1)
    if end < 0 or name_end + 13 > len(payload):
        return False
    kept = payload[:6] + b"\x00" + payload[name_end:name_end + 13] + b"\x00\x00"  # empty name, body, notes
    fh.seek(offset + header_len)
    fh.write(kept + bytes(len(payload) - len(kept)))
    return True


# QuickTime metadata keys (iPhone videos) whose values stay, each when its value is only what its name says
_QUICKTIME_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:?\d{2}|Z)?")


def _is_date(value: bytes) -> bool:
    return _QUICKTIME_DATE.fullmatch(value) is not None


_APPLE_KEPT = {b"com.apple.quicktime.location.ISO6709": is_coordinates, b"com.apple.quicktime.creationdate": _is_date}


def _scrub_quicktime_keys(fh: BinaryIO, meta: tuple[int, int, int, bytes]) -> int | None:
    """A QuickTime `meta` box of handler `mdta` (an iPhone's, in `moov`; FFmpeg's, in `udta`): a `keys` list of
    names and an `ilst` of values by key number. Every value but the location and the creation date becomes a
    `free` box. None when the box is not of that form (the caller then blanks it whole)."""
    try:
        return _scrub_quicktime_values(fh, meta)
    except Malformed:
        return None


def _scrub_quicktime_values(fh: BinaryIO, meta: tuple[int, int, int, bytes]) -> int | None:
    offset, header_len, size, _ = meta
    start = offset + header_len
    fh.seek(start)
    if fh.read(8)[4:8] != b"hdlr":  # ISO's meta is a full box (version and flags first), QuickTime's is not
        start += 4
    children = {child[3]: child for child in _boxes(fh, start, offset + size)}
    if b"hdlr" not in children or b"keys" not in children or b"ilst" not in children:
        return None
    fh.seek(children[b"hdlr"][0] + children[b"hdlr"][1])
    if fh.read(12)[8:12] != b"mdta":
        return None
    key_offset, key_header, key_size, _ = children[b"keys"]
    fh.seek(key_offset + key_header)
    reader = _Reader(fh.read(key_size - key_header))
    reader.take(4)  # version and flags
    names = []
    # each entry is at least its size and namespace (8 bytes): a count beyond what the box holds is a lie
    for _ in range(reader.count(reader.uint(4), 8)):
        entry = reader.uint(4)
        if entry < 8:  # smaller than its own header: the reader would step backwards and never reach the end
            raise Malformed(f"keys entry of {entry} bytes")
        names.append(reader.take(entry - 4)[4:])  # after the namespace ("mdta")
    blanked = 0
    for item in _boxes(fh, children[b"ilst"][0] + children[b"ilst"][1], children[b"ilst"][0] + children[b"ilst"][2]):
        index = int.from_bytes(item[3], "big")
        check = _APPLE_KEPT.get(names[index - 1]) if 1 <= index <= len(names) else None
        fh.seek(item[0] + item[1])
        data = fh.read(item[2] - item[1])
        # one `data` box: size, "data", type, locale, then the value
        if check is None or data[4:8] != b"data" or _uint(data[:4]) != len(data) or not check(data[16:]):
            _blank(fh, *item[:3])
            blanked += 1
    return blanked


def scrub_isobmff(fh: BinaryIO, size: int, *, image: bool = False) -> int:
    """Turn every metadata box into a `free` box of the same size, zero-filled. Kept as evidence, like a photo's
    EXIF time and GPS: a coordinates-only location in `udta` and an iPhone video's location and creation date in
    its `meta` keys. Nothing moves, so the sample tables' absolute offsets into `mdat` stay right. In a HEIF image
    (`image`) the top-level `meta` box *is* the picture's structure: there only the EXIF and XMP items are
    rewritten in place. Returns how many boxes or items were blanked."""
    blanked = 0

    def walk(start: int, end: int, top: bool, user_data: bool = False) -> None:
        """`user_data`: the children of a `udta`, all metadata but a location."""
        nonlocal blanked
        for box in _boxes(fh, start, end):
            offset, header_len, box_size, kind = box
            if top and image and kind == b"meta":
                blanked += _scrub_heif_items(fh, offset + header_len + 4, offset + box_size)
            elif kind == b"udta" and not user_data:
                walk(offset + header_len, offset + box_size, False, user_data=True)
            elif kind == b"meta" and (kept := _scrub_quicktime_keys(fh, box)) is not None:
                blanked += kept
            elif user_data and _keep_location(fh, box):
                continue
            elif user_data or kind in _METADATA_BOXES:
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
        if n < 0 or self.pos + n > len(self.data):  # a negative take would move the reader backwards
            raise Malformed("truncated box")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint(self, n: int) -> int:
        return _uint(self.take(n))

    def count(self, declared: int, entry_size: int) -> int:
        """`declared` entries of at least `entry_size` bytes each, when the rest of the box can hold them: a
        count read from the file bounds a loop, and a forged one must not spin the worker (entries of no bytes
        are the caller's to bound)."""
        if declared * entry_size > len(self.data) - self.pos:
            raise Malformed(f"{declared} entries in a box of {len(self.data)} bytes")
        return declared

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
    id_size = 2 if version < 2 else 4
    extent_size = index_size + offset_size + length_size
    # an item takes at least its id, data reference, base offset and extent count
    for _ in range(body.count(body.uint(id_size), id_size + 4 + base_size)):
        item_id = body.uint(id_size)
        method = body.uint(2) & 0x0F if version in (1, 2) else 0
        body.take(2)  # data reference index
        base = body.uint(base_size)
        spans = []
        extent_count = body.uint(2)
        if extent_size == 0 and extent_count > 1:  # extents of no bytes: the count bounds nothing
            raise Malformed(f"item {item_id} has {extent_count} empty extents")
        for _ in range(body.count(extent_count, extent_size)):
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


def heif_item_exif(payload: bytes) -> Image.Exif | None:
    """HEIF's EXIF item (a 4-byte offset to the TIFF header, then the data) read by Pillow; None when there is none
    or it does not parse, whatever Pillow raises for it."""
    if len(payload) <= 4:
        return None
    return exif_of_tiff(payload[4 + _uint(payload[:4]):])


def _heif_exif(payload: bytes, total: int) -> bytes:
    """The allowlisted EXIF in HEIF's item layout (a 4-byte offset to the TIFF header, then the data), padded with
    zeros to the item's length; an empty directory when it does not fit (or the item is unreadable)."""
    kept = kept_exif(heif_item_exif(payload))
    item = struct.pack(">I", 6) + kept if kept else _EMPTY_HEIF_EXIF
    if len(item) > total:
        item = _EMPTY_HEIF_EXIF if total >= len(_EMPTY_HEIF_EXIF) else b""
    return item + bytes(total - len(item))


def scrub_heif(fh: BinaryIO, size: int) -> int:
    return scrub_isobmff(fh, size, image=True)


def _top_level_box(fh: BinaryIO, size: int, wanted: bytes) -> tuple[int, int, int, bytes] | None:
    """The first top-level box of type `wanted`, reading only [0, `size`): the boxes after it (the picture in
    `mdat`) may lie beyond the bytes at hand. Malformed when `wanted` itself does not fit."""
    pos = 0
    while pos + 8 <= size:
        fh.seek(pos)
        box_size, kind = struct.unpack(">I4s", fh.read(8))
        header_len = 8
        if box_size == 1:
            if pos + 16 > size:
                break
            box_size, header_len = struct.unpack(">Q", fh.read(8))[0], 16
        elif box_size == 0:  # up to the end of the file
            box_size = size - pos
        if box_size < header_len:
            raise Malformed(f"box {kind!r} smaller than its header")
        if kind == wanted:
            if pos + box_size > size:
                raise Malformed(f"box {kind!r} beyond the bytes read")
            return pos, header_len, box_size, kind
        pos += box_size
    return None


def heif_exif_item(fh: BinaryIO, size: int) -> bytes | None:
    """The bytes of a HEIF image's EXIF item (a 4-byte offset to the TIFF header, then the data), None when it has
    none. Reads only [0, `size`) of `fh`: Malformed when what is needed lies beyond, or does not parse."""
    meta = _top_level_box(fh, size, b"meta")
    if meta is None:
        return None
    offset, header_len, box_size, _ = meta
    children = {box[3]: box for box in _boxes(fh, offset + header_len + 4, offset + box_size)}  # a full box
    if b"iinf" not in children or b"iloc" not in children:
        return None
    wanted = {item for item, what in _heif_metadata_items(fh, children[b"iinf"]).items() if what == "exif"}
    if not wanted:
        return None
    idat = children.get(b"idat")
    located = _heif_extents(fh, children[b"iloc"], wanted, idat[0] + idat[1] if idat else None)
    if not located:
        return None
    spans = located[min(located)]
    if any(start + length > size for start, length in spans):
        raise Malformed("the EXIF item lies beyond the bytes read")
    parts = []
    for start, length in spans:
        fh.seek(start)
        parts.append(fh.read(length))
    return b"".join(parts)
