"""The Ogg and WebM scrubbers on recordings FFmpeg wrote (Opus and Vorbis voice notes, VP8 video), tagged with
their author's name and phone serial the way recorder apps tag them. The copy must keep no tag, and FFmpeg must
demux exactly the same coded packets from it and decode it."""

from __future__ import annotations

import io
import os
import struct

import pytest

from backend.media import scrub
from backend.media.scrub.ogg import ogg_crc
from tests.media.identity import NAME, leaks
from tests.media.recordings import (
    crc_elements_right,
    decoded_samples,
    ebml,
    ogg_page,
    ogg_pages,
    packets,
    recording,
    reference_ogg_crc,
    tags,
    with_unknown_size_clusters,
)

BOS = 0x02


def test_ogg_checksum_is_the_specifications() -> None:
    for length in (0, 1, 27, 255, 4096, 65_307):
        data = os.urandom(length)
        assert ogg_crc(data) == reference_ogg_crc(data)


def _assert_ogg_well_formed(data: bytes) -> None:
    pages = ogg_pages(data)
    assert all(right for *_, right in pages)
    for serial in {serial for serial, *_ in pages}:
        own = [(sequence, flags) for page_serial, sequence, flags, _ in pages if page_serial == serial]
        assert [sequence for sequence, _ in own] == list(range(own[0][0], own[0][0] + len(own)))
        assert own[0][1] & BOS and not any(flags & BOS for _, flags in own[1:])


@pytest.mark.parametrize("codec", ["libopus", "vorbis", "flac"])
def test_ogg_voice_note_loses_its_comments_and_keeps_its_sound(codec: str) -> None:
    original = recording("ogg", codec)
    assert leaks(original) and any(tags(original))
    copy = scrub.scrub_ogg(original)
    assert leaks(copy) == [] and b"Lavf" not in copy  # not even the encoder's name
    assert tags(copy) == [{}, {}]
    assert packets(copy) == packets(original)
    assert decoded_samples(copy) == decoded_samples(original) > 0
    _assert_ogg_well_formed(copy)


def test_a_comment_header_over_several_pages_shrinks_to_one_and_later_pages_are_renumbered() -> None:
    original = recording("ogg", "libopus", tags={"comment": NAME * 10_000, "title": NAME})  # ~160 KB of comments
    before, copy = ogg_pages(original), scrub.scrub_ogg(original)
    after = ogg_pages(copy)
    assert len(after) == len(before) - 2  # three pages of comments became one
    assert leaks(copy) == [] and packets(copy) == packets(original)
    _assert_ogg_well_formed(copy)


def test_chained_recordings_are_scrubbed_one_stream_after_another() -> None:
    first, second = recording("ogg", "libopus"), recording("ogg", "vorbis")  # FFmpeg picks each one's serial
    copy = scrub.scrub_ogg(first + second)
    assert leaks(copy) == []
    assert copy == scrub.scrub_ogg(first) + scrub.scrub_ogg(second)
    again = scrub.scrub_ogg(first + first)  # a chain may reuse a serial number: the second link is scrubbed too
    assert leaks(again) == [] and again == scrub.scrub_ogg(first) * 2
    _assert_ogg_well_formed(copy)


def _raw_pages(data: bytes) -> list[bytes]:
    pages, pos = [], 0
    while pos < len(data):
        count = data[pos + 26]
        end = pos + 27 + count + sum(data[pos + 27:pos + 27 + count])
        pages.append(data[pos:end])
        pos = end
    return pages


def test_ogg_flac_loses_every_metadata_block_but_its_streaminfo() -> None:
    """A cover picture (a photo of its author, a screenshot) after the comments, and a first packet that does not
    say how many header packets follow (0: the last block's flag ends them)."""
    original = recording("ogg", "flac")
    head, comments, *audio = _raw_pages(original)
    serial = struct.unpack("<I", head[14:18])[0]
    first, comment_packet = head[28:], comments[28:]  # each header page holds one packet of under 255 bytes
    assert first.startswith(b"\x7fFLAC") and comment_packet[0] == 0x84  # FFmpeg: the comments are the last block
    picture = NAME.encode() * 5 + b"\xff\xd8 a JPEG of its author"
    planted = (ogg_page(serial, 0, first[:7] + b"\x00\x00" + first[9:], flags=BOS)
               + ogg_page(serial, 1, bytes([comment_packet[0] & 0x7F]) + comment_packet[1:])
               + ogg_page(serial, 2, bytes([0x80 | 6]) + len(picture).to_bytes(3, "big") + picture)
               + b"".join(audio))
    assert leaks(planted)
    copy = scrub.scrub_ogg(planted)
    assert leaks(copy) == [] and b"JPEG" not in copy and b"Lavf" not in copy
    assert tags(copy) == [{}, {}] and packets(copy) == packets(original)
    assert decoded_samples(copy) == decoded_samples(original) > 0
    _assert_ogg_well_formed(copy)


def test_ogg_streams_it_cannot_read_are_refused() -> None:
    speex = ogg_page(7, 0, b"Speex   1.2" + bytes(69), flags=BOS)
    with pytest.raises(scrub.Unsupported):
        scrub.scrub_ogg(speex)
    flac = ogg_page(7, 0, b"\x7fFLAC\x01\x00\x00\x01fLaC" + bytes(38), flags=BOS)
    with pytest.raises(scrub.Malformed):  # a FLAC stream whose headers never end
        scrub.scrub_ogg(flac)
    opus = recording("ogg", "libopus")
    for broken in (opus[:40], opus[:-5], b"OggS" + bytes(30), opus[1:]):
        with pytest.raises(scrub.Malformed):
            scrub.scrub_ogg(broken)
    head = ogg_page(7, 0, b"OpusHead\x01\x01" + bytes(9), flags=BOS)
    with pytest.raises(scrub.Malformed):  # the headers never end
        scrub.scrub_ogg(head)
    with pytest.raises(scrub.Malformed):  # a page of a stream that never began
        scrub.scrub_ogg(head + ogg_page(8, 1, b"OpusTags" + bytes(8)))


def _scrub_matroska(data: bytes) -> tuple[bytes, int]:
    fh = io.BytesIO(data)
    blanked = scrub.scrub_matroska(fh, len(data))
    return fh.getvalue(), blanked


_RECORDED_AT = "2026-11-20T21:15:03.000000Z"


@pytest.mark.parametrize(("container", "audio", "live"), [
    ("webm", "libopus", False), ("webm", "vorbis", False), ("webm", "libopus", True),
    ("matroska", "libopus", False),  # FFmpeg's Matroska (not its WebM) has CRC-32 elements, which must still match
])
def test_webm_video_loses_tags_names_and_apps_and_keeps_its_frames_and_date(container: str, audio: str,
                                                                            live: bool) -> None:
    original = recording(container, audio, "libvpx", tags={
        "title": f"Recorded by {NAME}", "artist": NAME, "creation_time": _RECORDED_AT})
    if live:
        original = with_unknown_size_clusters(original)
    assert leaks(original) and b"Lavf" in original
    copy, blanked = _scrub_matroska(original)
    assert blanked >= 5 and len(copy) == len(original)  # nothing moved: every offset in SeekHead and Cues holds
    assert leaks(copy) == [] and b"Lavf" not in copy
    assert tags(copy) == [{"creation_time": _RECORDED_AT}, {}, {}]  # the recording date is evidence
    assert packets(copy) == packets(original)
    assert decoded_samples(copy) == decoded_samples(original) > 0
    assert all(crc_elements_right(copy)) and crc_elements_right(original) == ([True] * 7 if container == "matroska"
                                                                               else [])


def test_a_vorbis_tracks_comment_header_is_emptied_in_place() -> None:
    """Matroska keeps a Vorbis track's three headers in its CodecPrivate; an app can put its vendor string and
    comments (the author) into the second."""
    ident, setup = b"\x01vorbis" + bytes(23), b"\x05vorbis" + bytes(40)
    comment = (b"\x03vorbis" + struct.pack("<I", len(NAME)) + NAME.encode() + struct.pack("<I", 1)
               + struct.pack("<I", len(NAME) + 7) + b"ARTIST=" + NAME.encode() + b"\x01")
    private = bytes([2, len(ident), len(comment)]) + ident + comment + setup
    entry = ebml(b"\xae", ebml(b"\x86", b"A_VORBIS") + ebml(b"\x63\xa2", private))
    original = (ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x82", b"webm"))
                + ebml(b"\x18\x53\x80\x67", ebml(b"\x16\x54\xae\x6b", entry)))
    copy, blanked = _scrub_matroska(original)
    assert blanked == 1 and leaks(copy) == [] and len(copy) == len(original)
    start = copy.index(b"\x03vorbis")
    assert copy[start:start + len(comment)] == b"\x03vorbis" + bytes(8) + b"\x01" + bytes(len(comment) - 16)
    assert copy.replace(copy[start:start + len(comment)], comment) == original  # nothing else changed


def test_webm_attachments_after_live_clusters_are_dropped() -> None:
    """A live recording's segment runs to the end of the file; an attachment (a cover picture) appended after its
    clusters of unknown size still belongs to it."""
    original = with_unknown_size_clusters(recording("webm", "libopus", "libvpx", live=True))
    attached = ebml(b"\x61\xa7", ebml(b"\x46\x6e", b"Aigerim.jpg") + ebml(b"\x46\x60", b"image/jpeg")
                    + ebml(b"\x46\x5c", NAME.encode() * 4))
    original += ebml(b"\x19\x41\xa4\x69", attached)
    assert leaks(original)
    copy, _ = _scrub_matroska(original)
    assert leaks(copy) == [] and b"Aigerim.jpg" not in copy
    assert packets(copy) == packets(original)


def test_matroska_that_does_not_parse_is_refused() -> None:
    video = recording("webm", "libopus", "libvpx")
    for broken in (b"RIFF" + bytes(40), video[:60], b"\x1a\x45\xdf\xa3\x00"):
        with pytest.raises(scrub.Malformed):
            _scrub_matroska(broken)


_PLACE = "+43.2389+076.8897/"


@pytest.mark.parametrize("container", ["webm", "mp4"])
def test_a_videos_location_stays_as_evidence_and_nothing_else_of_its_tags(container: str) -> None:
    """Like a photo's GPS: where it was shot (no more than the report's own location says), when it is bare
    coordinates. A name written into the same tag goes with the rest."""
    audio, video = ("libopus", "libvpx") if container == "webm" else ("aac", "mpeg4")
    original = recording(container, audio, video, tags={
        "title": f"Recorded by {NAME}", "artist": NAME, "location": _PLACE, "creation_time": _RECORDED_AT})
    copy = _scrub(container, original)
    assert leaks(copy) == [] and b"Lavf" not in copy
    kept = tags(copy)[0]
    assert kept.get("location", kept.get("LOCATION")) == _PLACE and kept["creation_time"] == _RECORDED_AT
    assert not {"title", "artist", "TITLE", "ARTIST", "encoder", "ENCODER"} & set(kept)
    assert packets(copy) == packets(original)
    assert decoded_samples(copy) == decoded_samples(original) > 0

    named = recording(container, audio, video, tags={"location": f"{_PLACE} {NAME}"})
    assert leaks(_scrub(container, named)) == []


def _scrub(container: str, data: bytes) -> bytes:
    if container == "mp4":
        fh = io.BytesIO(data)
        scrub.scrub_isobmff(fh, len(data))
        return fh.getvalue()
    return _scrub_matroska(data)[0]


def test_an_iphone_video_keeps_its_location_and_creation_date_and_loses_its_model_and_app() -> None:
    apple = "com.apple.quicktime."
    original = recording("mov", "aac", "mpeg4", apple_keys=True, tags={
        f"{apple}location.ISO6709": "+43.2389+076.8897+012.000/", f"{apple}creationdate": "2026-11-20T21:15:03+0500",
        f"{apple}make": "Apple", f"{apple}model": f"iPhone 15 of {NAME}", f"{apple}software": "17.1",
        f"{apple}location.ISO6709.note": NAME})
    assert leaks(original)
    copy = _scrub("mp4", original)
    assert leaks(copy) == [] and b"Lavf" not in copy
    kept = {key: value for key, value in tags(copy)[0].items() if key.startswith(apple)}
    assert kept == {f"{apple}location.ISO6709": "+43.2389+076.8897+012.000/",
                    f"{apple}creationdate": "2026-11-20T21:15:03+0500"}
    assert packets(copy) == packets(original)
