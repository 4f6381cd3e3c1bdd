"""A PNG whose header names more pixels than Pillow agrees to open (~179 megapixels) has its facts read from its
headers alone: its picture is never decoded. Pillow finds a PNG's EXIF placed after the picture by decoding the
picture (PngImageFile.getexif loads it), so reading such a one's facts through the size check's bypass decoded a
decompression bomb on the event loop: a 40 KB upload whose 268 megapixels took as many megabytes at every completion
(before: the facts reader's memory grew by the picture's size)."""

from __future__ import annotations

import struct
import subprocess
import sys
import textwrap
import zlib

from PIL import Image

from backend.media.exif import read_photo_facts

_SIDE = 16384  # 268 megapixels, past Pillow's ~179 (2 x Image.MAX_IMAGE_PIXELS)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _bomb_png() -> bytes:
    """A black 1-bit PNG of _SIDE x _SIDE pixels: a few dozen KB on the wire, a byte a pixel once decoded."""
    squeeze = zlib.compressobj(9)
    row = bytes(1 + _SIDE // 8)  # filter byte "none", then the row's bits
    idat = b"".join(squeeze.compress(row) for _ in range(_SIDE)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", _SIDE, _SIDE, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


# measured in a process of its own: the suite's own high-water mark would hide the growth
_PROBE = textwrap.dedent("""
    import resource, sys
    from backend.media.exif import read_photo_facts
    data = sys.stdin.buffer.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    facts = read_photo_facts(data)
    assert facts.raw == {}, facts
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)  # KiB on Linux, MiB out
""")


def test_an_oversized_png_s_facts_are_read_without_decoding_its_picture() -> None:
    data = _bomb_png()
    assert len(data) < 64 * 1024
    done = subprocess.run([sys.executable, "-c", _PROBE], input=data, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    grown_mib = int(done.stdout.split()[-1])
    assert grown_mib < 64, f"the facts reader grew by {grown_mib} MiB: the picture was decoded"


def test_a_png_s_exif_after_its_picture_is_read_from_its_chunks() -> None:
    """Any PNG's, not only an oversized one's: found by walking the chunks, never by decoding the picture, which a
    PNG under Pillow's size check was (a 450 kB solid-colour PNG of 144 megapixels: 0.9 s and 430 MB on the event loop
    at its completion). A picture that cannot be decoded (its data corrupt) still gives its EXIF (failed before:
    Pillow's decoding failed, and the facts with it)."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    header = struct.pack(">IIBBBBB", 64, 64, 1, 0, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"\xff" * 32)  # no deflate stream
            + _chunk(b"eXIf", exif.tobytes()[6:]) + _chunk(b"IEND", b""))
    assert read_photo_facts(data).raw == {"make": "TestCam"}
