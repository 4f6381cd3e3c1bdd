"""Real recordings written by FFmpeg (through PyAV) with their author planted in the tags, and the readers the scrub
tests check them with: FFmpeg's demuxer, and checksums recomputed here independently of the code under test."""

from __future__ import annotations

import io
import struct
import zlib

import av
import numpy as np

from tests.media.identity import NAME, SERIAL

RATE = 48_000


def recording(container: str, audio: str, video: str | None = None, *, tags: dict[str, str] | None = None,
              live: bool = False, apple_keys: bool = False) -> bytes:
    """One second of a 440 Hz tone (and ten frames of video), tagged as a phone's recorder tags its files. `live`:
    a Matroska segment of unknown size, as a recorder that cannot seek back writes it; `apple_keys`: QuickTime
    tags as an iPhone writes them (a `meta` box of `mdta` keys)."""
    buf = io.BytesIO()
    options = {"live": "1"} if live else {"movflags": "use_metadata_tags"} if apple_keys else {}
    with av.open(buf, "w", format=container, options=options) as out:
        out.metadata.update(tags if tags is not None else {
            "title": f"Voice note by {NAME}", "artist": f"{NAME} {SERIAL}", "location": "+43.2389+076.8897/"})
        picture = None
        if video:
            picture = out.add_stream(video, rate=10)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
            picture.metadata["title"] = f"Camera of {NAME}"
        sound = out.add_stream(audio, rate=RATE)
        sound.codec_context.options = {"strict": "-2"}  # FFmpeg's own Vorbis encoder is "experimental"
        sound.metadata["title"] = f"Microphone {SERIAL}"
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype(np.float32)
        step = sound.codec_context.frame_size or 960
        for start in range(0, RATE - step, step):
            frame = av.AudioFrame.from_ndarray(tone[None, start:start + step].copy(), format="flt", layout="mono")
            frame.sample_rate, frame.pts = RATE, start
            out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
        if picture is not None:
            for index in range(10):
                image = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index * 20, dtype=np.uint8), format="rgb24")
                image.pts = index
                out.mux(picture.encode(image))
            out.mux(picture.encode(None))
    return buf.getvalue()


def packets(data: bytes) -> list[tuple[int, int | None, bytes]]:
    """(stream, pts, payload) of every coded packet, as FFmpeg demuxes them."""
    with av.open(io.BytesIO(data)) as container:
        return [(packet.stream.index, packet.pts, bytes(packet)) for packet in container.demux() if packet.size]


def decoded_samples(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(frame.samples for frame in container.decode(audio=0))


def tags(data: bytes) -> list[dict[str, str]]:
    """The container's tags and each stream's, as FFmpeg reads them."""
    with av.open(io.BytesIO(data)) as container:
        return [dict(container.metadata), *(dict(stream.metadata) for stream in container.streams)]


# -- Ogg: pages checked with the specification's table-driven CRC --------------------------------------------------
def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def reference_ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[(crc >> 24) ^ byte]
    return crc


def ogg_pages(data: bytes) -> list[tuple[int, int, int, bool]]:
    """(serial, sequence, flags, checksum right) of every page."""
    pages, pos = [], 0
    while pos < len(data):
        assert data[pos:pos + 4] == b"OggS"
        flags, _, serial, sequence, crc = struct.unpack("<BQIII", data[pos + 5:pos + 26])
        count = data[pos + 26]
        end = pos + 27 + count + sum(data[pos + 27:pos + 27 + count])
        page = data[pos:pos + 22] + bytes(4) + data[pos + 26:end]
        pages.append((serial, sequence, flags, reference_ogg_crc(page) == crc))
        pos = end
    return pages


def ogg_page(serial: int, sequence: int, packet: bytes, *, flags: int = 0) -> bytes:
    """One page holding one short packet, with a right checksum."""
    assert len(packet) < 255
    header = struct.pack("<4sBBQIIIB", b"OggS", 0, flags, 0, serial, sequence, 0, 1) + bytes([len(packet)])
    page = header + packet
    return page[:22] + struct.pack("<I", reference_ogg_crc(page)) + page[26:]


# -- Matroska ----------------------------------------------------------------------------------------------------
SEGMENT, CLUSTER = b"\x18\x53\x80\x67", b"\x1f\x43\xb6\x75"


def ebml(element_id: bytes, payload: bytes) -> bytes:
    """An element with an 8-byte size, as muxers that write sizes afterwards do."""
    return element_id + (len(payload) | (1 << 56)).to_bytes(8, "big") + payload


def _read_vint(data: bytes, pos: int) -> tuple[int, int]:
    length = 9 - data[pos].bit_length()
    value = int.from_bytes(data[pos:pos + length], "big") & ((1 << (7 * length)) - 1)
    return value, pos + length


def level_one(data: bytes) -> list[tuple[bytes, int, int, int]]:
    """(id, offset, size field's offset, data offset) of the first segment's children (the segment and its clusters
    may be of unknown size; a cluster of unknown size is never followed by anything here but more clusters)."""
    segment = data.index(SEGMENT)
    _, pos = _read_vint(data, segment + 4)
    found = []
    while pos < len(data):
        id_length = 9 - data[pos].bit_length()
        element_id = data[pos:pos + id_length]
        size, start = _read_vint(data, pos + id_length)
        found.append((element_id, pos, pos + id_length, start))
        unknown = size == (1 << (7 * (start - pos - id_length))) - 1
        pos = len(data) if unknown else start + size
    return found


def crc_elements_right(data: bytes) -> list[bool]:
    """For each level-1 element that starts with a CRC-32 element: does it match the rest of the element?"""
    right = []
    for _, _, size_at, start in level_one(data):
        if data[start:start + 2] == b"\xbf\x84":
            size, _ = _read_vint(data, size_at)
            stored = struct.unpack("<I", data[start + 2:start + 6])[0]
            right.append(zlib.crc32(data[start + 6:start + size]) == stored)
    return right


def with_unknown_size_clusters(data: bytes) -> bytes:
    """The recording as a live recorder (a browser's MediaRecorder) writes it: clusters whose size is unknown."""
    out = bytearray(data)
    for element_id, _, size_at, start in level_one(data):
        if element_id == CLUSTER:  # all value bits set, at the field's own width
            width = start - size_at
            out[size_at:start] = ((1 << (7 * width + 1)) - 1).to_bytes(width, "big")
    return bytes(out)
