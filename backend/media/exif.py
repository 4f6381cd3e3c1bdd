"""EXIF time and GPS from photos: corroborates when and where a citizen's photo was taken."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.lib.clock import ALMATY


@dataclass
class PhotoFacts:
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def _dms(values: Any, ref: str) -> float:
    degrees, minutes, seconds = (_ratio(v) for v in values)
    decimal = degrees + minutes / 60 + seconds / 3600
    return -decimal if ref in ("S", "W") else decimal


def read_photo_facts(head: bytes) -> PhotoFacts:
    """Best effort: a photo without EXIF, or with a broken one, simply has no facts."""
    from PIL import Image, UnidentifiedImageError

    facts = PhotoFacts()
    try:
        with Image.open(io.BytesIO(head)) as img:
            exif = img.getexif()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return facts
    if not exif:
        return facts
    sub = exif.get_ifd(0x8769)  # Exif IFD: DateTimeOriginal lives here
    stamp = sub.get(0x9003) or exif.get(0x0132)
    if isinstance(stamp, str):
        try:
            # EXIF has no zone; phones in Kazakhstan record local time
            facts.taken_at = datetime.strptime(stamp.strip(), "%Y:%m:%d %H:%M:%S").replace(tzinfo=ALMATY)
            facts.raw["datetime_original"] = stamp.strip()
        except ValueError:
            pass
    gps = exif.get_ifd(0x8825)
    try:
        if gps and 2 in gps and 4 in gps:
            facts.lat = round(_dms(gps[2], str(gps.get(1, "N"))), 6)
            facts.lon = round(_dms(gps[4], str(gps.get(3, "E"))), 6)
            facts.raw["gps"] = {"lat": facts.lat, "lon": facts.lon}
    except (TypeError, ValueError, ZeroDivisionError):
        pass
    if 0x010F in exif:
        facts.raw["make"] = str(exif[0x010F])[:60]
    return facts
