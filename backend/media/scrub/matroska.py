"""WebM / Matroska (browser recordings from our web chat, some Android cameras), scrubbed in place in a copy on disk.

Matroska keeps its metadata in elements of its own: the segment's Info (title, muxing and writing application,
segment file names and UIDs that link recordings of one device), Tags (anything, often the author and a place),
Attachments (cover pictures, fonts, whole files), Chapters (named by hand) and a track's Name. Each one is
overwritten by a Void element of the same length, zero-filled — the format's own way of leaving space — so every
offset that SeekHead and Cues hold stays right, and the clusters (the coded picture and sound) are not touched.

Info works by allowlist: only the timestamp scale, the duration and the recording date (kept as evidence, like EXIF
time) stay. Tags too: of all simple tags only a LOCATION of bare coordinates stays, evidence like a photo's GPS. A
Vorbis track's CodecPrivate holds a Vorbis comment header: its comments are emptied in place. A parent that had
anything blanked loses its CRC-32 element too, which would no longer match.
"""

from __future__ import annotations

from typing import BinaryIO

from backend.media.scrub.errors import Malformed
from backend.media.scrub.location import is_coordinates

_EBML, _SEGMENT, _VOID, _CRC32 = 0x1A45DFA3, 0x18538067, 0xEC, 0xBF
_SEEK_HEAD, _INFO, _TRACKS, _CUES, _CLUSTER = 0x114D9B74, 0x1549A966, 0x1654AE6B, 0x1C53BB6B, 0x1F43B675
_TAGS, _ATTACHMENTS, _CHAPTERS = 0x1254C367, 0x1941A469, 0x1043A770
_TRACK_ENTRY, _TRACK_NAME, _CODEC_PRIVATE = 0xAE, 0x536E, 0x63A2
_SEEK, _SEEK_ID = 0x4DBB, 0x53AB
_TAG, _TARGETS, _SIMPLE_TAG, _TAG_NAME, _TAG_STRING = 0x7373, 0x63C0, 0x67C8, 0x45A3, 0x4487
_TAG_LANGUAGE, _TAG_LANGUAGE_BCP47, _TAG_DEFAULT = 0x447A, 0x447B, 0x4484
_SEGMENT_CHILDREN = {_SEEK_HEAD, _INFO, _TRACKS, _CUES, _CLUSTER, _TAGS, _ATTACHMENTS, _CHAPTERS}
_DROPPED = {_ATTACHMENTS, _CHAPTERS}
_INFO_KEPT = {0x2AD7B1, 0x4489, 0x4461, _VOID}  # TimestampScale, Duration, DateUTC
_UNKNOWN = -1


class _Element:
    __slots__ = ("data", "id", "offset", "size")

    def __init__(self, element_id: int, offset: int, data: int, size: int) -> None:
        self.id, self.offset, self.data, self.size = element_id, offset, data, size

    @property
    def end(self) -> int:
        return self.data + self.size


def _vint(fh: BinaryIO, *, keep_marker: bool) -> tuple[int, int]:
    """(value, length) of an EBML variable-length integer: an element ID keeps its marker bit, a size does not;
    a size of all ones is "unknown"."""
    first = fh.read(1)
    if not first or first[0] == 0:
        raise Malformed("bad EBML number")
    length = 9 - first[0].bit_length()
    if keep_marker and length > 4:
        raise Malformed("element ID longer than 4 bytes")
    rest = fh.read(length - 1)
    if len(rest) < length - 1:
        raise Malformed("truncated EBML number")
    value = int.from_bytes(first + rest, "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (_UNKNOWN if value == (1 << (7 * length)) - 1 else value), length


def _element_at(fh: BinaryIO, offset: int, limit: int) -> _Element:
    fh.seek(offset)
    element_id, id_length = _vint(fh, keep_marker=True)
    size, size_length = _vint(fh, keep_marker=False)
    data = offset + id_length + size_length
    if size != _UNKNOWN and data + size > limit:
        raise Malformed(f"element {element_id:#x} overruns its parent")
    return _Element(element_id, offset, data, size)


def _void(fh: BinaryIO, element: _Element) -> None:
    """Overwrite `element` with one Void element of exactly its length, zero-filled."""
    total = element.end - element.offset
    width = 1 if total - 2 <= 126 else 8  # 127 in one byte would read as "unknown size"
    fh.seek(element.offset)
    fh.write(bytes([_VOID]) + ((total - 1 - width) | (1 << (7 * width))).to_bytes(width, "big"))
    fh.write(bytes(total - 1 - width))


def _children(fh: BinaryIO, parent: _Element, limit: int) -> list[_Element]:
    if parent.size == _UNKNOWN:
        raise Malformed(f"element {parent.id:#x} of unknown size")
    found, pos = [], parent.data
    while pos < parent.end:
        child = _element_at(fh, pos, min(parent.end, limit))
        if child.size == _UNKNOWN:
            raise Malformed(f"element {child.id:#x} of unknown size")
        found.append(child)
        pos = child.end
    return found


def _scrub_children(fh: BinaryIO, parent: _Element, limit: int) -> int:
    """Blank what `parent` (SeekHead, Info, Tracks, a TrackEntry, Tags or a Tag) must not carry; returns how many
    elements were blanked."""
    blanked, crc = 0, None
    for child in _children(fh, parent, limit):
        if child.id == _CRC32:
            crc = child
        elif (parent.id == _INFO and child.id not in _INFO_KEPT) or child.id == _TRACK_NAME:
            _void(fh, child)
            blanked += 1
        elif child.id in (_TRACK_ENTRY, _TAG):
            blanked += _scrub_children(fh, child, limit)
        elif parent.id == _TAG and child.id != _TARGETS and not _is_location_tag(fh, child, limit):
            _void(fh, child)
            blanked += 1
        elif child.id == _CODEC_PRIVATE:
            blanked += _empty_vorbis_comments(fh, child)
        elif child.id == _SEEK and _seek_target(fh, child, limit) in _DROPPED:
            # an index entry pointing at a blanked element: FFmpeg follows it, finds a Void, and then loses its
            # place in a live recording's clusters of unknown size (it demuxed 6 of 60 packets)
            _void(fh, child)
            blanked += 1
    if blanked and crc is not None:
        _void(fh, crc)
    return blanked


def _is_location_tag(fh: BinaryIO, simple_tag: _Element, limit: int) -> bool:
    """A SimpleTag named LOCATION whose string is coordinates only (backend/media/scrub/location.py)."""
    if simple_tag.id != _SIMPLE_TAG:
        return False
    values: dict[int, bytes] = {}
    for child in _children(fh, simple_tag, limit):
        if child.id not in (_TAG_NAME, _TAG_STRING, _TAG_LANGUAGE, _TAG_LANGUAGE_BCP47, _TAG_DEFAULT):
            return False  # nested tags, binary values
        fh.seek(child.data)
        values[child.id] = fh.read(child.size)
    return values.get(_TAG_NAME) == b"LOCATION" and is_coordinates(values.get(_TAG_STRING, b"").rstrip(b"\x00"))


def _seek_target(fh: BinaryIO, seek: _Element, limit: int) -> int | None:
    for child in _children(fh, seek, limit):
        if child.id == _SEEK_ID:
            fh.seek(child.data)
            return int.from_bytes(fh.read(child.size), "big")
    return None


def _empty_vorbis_comments(fh: BinaryIO, codec_private: _Element) -> int:
    """A Vorbis track's three headers, Xiph-laced; the comment header (the second) is rewritten at its own length:
    no vendor, no comments, the framing bit, then zeros, which libvorbis does not read."""
    fh.seek(codec_private.data)
    raw = fh.read(codec_private.size)
    if not raw or raw[0] != 2:
        return 0
    sizes, pos = [], 1
    for _ in range(2):
        size = 0
        while pos < len(raw) and raw[pos] == 255:
            size, pos = size + 255, pos + 1
        if pos >= len(raw):
            return 0
        sizes.append(size + raw[pos])
        pos += 1
    comment_at = pos + sizes[0]
    empty = b"\x03vorbis" + bytes(8) + b"\x01"
    if raw[comment_at:comment_at + 7] != b"\x03vorbis" or sizes[1] < len(empty):
        return 0
    fh.seek(codec_private.data + comment_at)
    fh.write(empty + bytes(sizes[1] - len(empty)))
    return 1


def _cluster_end(fh: BinaryIO, cluster: _Element, limit: int) -> int:
    """Where a cluster of unknown size (a live recording's) ends: at the first element that belongs to the
    segment, or at the end of the file."""
    pos = cluster.data
    while pos < limit:
        child = _element_at(fh, pos, limit)
        if child.id in _SEGMENT_CHILDREN:
            return pos
        if child.size == _UNKNOWN:
            raise Malformed("an element of unknown size inside a cluster")
        pos = child.end
    return limit


def scrub_matroska(fh: BinaryIO, size: int) -> int:
    """Blank the metadata of every segment in the file; returns how many elements were blanked."""
    blanked, pos = 0, 0
    fh.seek(0)
    if fh.read(4) != _EBML.to_bytes(4, "big"):
        raise Malformed("not an EBML file")
    while pos < size:
        top = _element_at(fh, pos, size)
        if top.id != _SEGMENT:
            if top.size == _UNKNOWN:
                raise Malformed("a top-level element of unknown size")
            pos = top.end
            continue
        segment_end = size if top.size == _UNKNOWN else top.end
        child_pos = top.data
        while child_pos < segment_end:
            child = _element_at(fh, child_pos, segment_end)
            if child.size == _UNKNOWN:
                if child.id != _CLUSTER:
                    raise Malformed(f"element {child.id:#x} of unknown size")
                child_pos = _cluster_end(fh, child, segment_end)
                continue
            if child.id in _DROPPED:
                _void(fh, child)
                blanked += 1
            elif child.id in (_SEEK_HEAD, _INFO, _TRACKS, _TAGS):
                blanked += _scrub_children(fh, child, segment_end)
            child_pos = child.end
        pos = segment_end
    return blanked
