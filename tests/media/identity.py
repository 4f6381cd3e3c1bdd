"""A file's author, planted where phones and apps put their metadata; the scrub tests look for every trace."""

from __future__ import annotations

import io

from PIL import Image

NAME, SERIAL = "Aigerim Seitkazy", "R58N12345XY"
IDENTITY = (NAME.encode(), SERIAL.encode(), b"xmpmeta", b"samsung")
TAKEN = "2026:11:20 21:15:03"


def leaks(data: bytes) -> list[bytes]:
    return [marker for marker in IDENTITY if marker in data]


def identity_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # make
    exif[0x013B] = NAME  # artist
    exif[0x0112] = 6  # orientation: rendering needs it
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = TAKEN
    sub[0xA430] = NAME  # camera owner
    sub[0xA431] = SERIAL  # body serial number
    sub[0x927C] = f"maker-note {SERIAL}".encode()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 9.0, 37.8), "E", (71.0, 28.0, 13.44)
    gps[0x1B] = f"ASCII\x00\x00\x00{NAME}".encode()  # processing method: free text
    return exif


def identity_jpeg() -> bytes:
    img = Image.new("RGB", (64, 48))
    img.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256) for y in range(48) for x in range(64)])
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=identity_exif(), comment=f"shot by {NAME}")
    return out.getvalue()
