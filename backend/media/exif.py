"""EXIF time and GPS from photos: corroborates when and where a citizen's photo was taken."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, BinaryIO

from backend.lib.clock import ALMATY, utcnow
from backend.media.scrub.errors import Malformed

if TYPE_CHECKING:
    from PIL import Image

# No phone camera wrote EXIF before this; earlier dates are unset clocks ("0000:00:00", "0001:01:01"), and
# year 1 cannot even be converted to UTC (OverflowError when the row is written).
EARLIEST_YEAR = 1990
# EXIF time is local time without a zone: a clock a little ahead, or a zone east of Almaty, is not a lie
FUTURE_SLACK = timedelta(days=1)


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


def _plausible_coordinate(value: float, limit: float) -> bool:
    # a rational with a zero denominator reads as NaN, and PostgreSQL refuses NaN in a JSON column
    return math.isfinite(value) and -limit <= value <= limit


# EXIF 2.31's OffsetTime* tags: "+06:00", or blanks when unknown
_OFFSET = re.compile(r"([+-])(\d\d):([0-5]\d)")
_MAX_OFFSET = timedelta(hours=14)


def _zone(offset: object) -> tzinfo:
    """The zone the camera recorded its time in; Kazakhstan's when it recorded none (or nothing that is one).
    A phone whose zone data predates March 2024 still keeps Almaty's clock at UTC+6 and says so here: read as
    UTC+5, its photos would be placed an hour late."""
    if isinstance(offset, str) and (match := _OFFSET.fullmatch(offset.strip())):
        delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
        if delta <= _MAX_OFFSET:
            return timezone(-delta if match[1] == "-" else delta)
    return ALMATY


def _taken_at(stamp: str, zone: tzinfo = ALMATY) -> datetime | None:
    """The EXIF time as an aware datetime, or None when it is not a time a photo could have been taken at."""
    try:
        # the EXIF time is the camera's local time, in `zone`
        taken = datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S").replace(tzinfo=zone)
        taken.astimezone(UTC)  # year 1 (or 9999) overflows here, not later at the database write
    except (ValueError, OverflowError):
        return None
    if taken.year < EARLIEST_YEAR or taken > utcnow() + FUTURE_SLACK:
        return None
    return taken


def _read_time(exif: Image.Exif, facts: PhotoFacts) -> None:
    sub = exif.get_ifd(0x8769)  # Exif IFD: DateTimeOriginal and the OffsetTime tags live here
    stamp, offset = sub.get(0x9003), sub.get(0x9011)  # DateTimeOriginal, OffsetTimeOriginal
    if not stamp:
        stamp, offset = exif.get(0x0132), sub.get(0x9010)  # DateTime, OffsetTime
    if not isinstance(stamp, str):
        return
    taken = _taken_at(stamp.strip(), _zone(offset))
    if taken is not None:
        facts.taken_at = taken
        facts.raw["datetime_original"] = stamp.strip()


def _read_gps(exif: Image.Exif, facts: PhotoFacts) -> None:
    gps = exif.get_ifd(0x8825)
    if not gps or 2 not in gps or 4 not in gps:
        return
    try:
        lat = round(_dms(gps[2], str(gps.get(1, "N"))), 6)
        lon = round(_dms(gps[4], str(gps.get(3, "E"))), 6)
    except (TypeError, ValueError, ZeroDivisionError):
        return
    if _plausible_coordinate(lat, 90.0) and _plausible_coordinate(lon, 180.0):
        facts.lat, facts.lon = lat, lon
        facts.raw["gps"] = {"lat": lat, "lon": lon}


def _facts(exif: Image.Exif | None) -> PhotoFacts:
    facts = PhotoFacts()
    if not exif:
        return facts
    _read_time(exif, facts)
    _read_gps(exif, facts)
    if 0x010F in exif:
        facts.raw["make"] = str(exif[0x010F])[:60]
    return facts


def read_photo_facts(head: bytes) -> PhotoFacts:
    """Best effort: a photo without EXIF, or with a broken one, simply has no facts."""
    from PIL import UnidentifiedImageError
    from PIL.Image import DecompressionBombError

    from backend.media.scrub.chunks import PNG_SIGNATURE, png_exif
    from backend.media.scrub.jpeg import exif_of, exif_of_tiff

    if head.startswith(PNG_SIGNATURE):
        # its eXIf chunk, found by walking the chunks: Pillow finds one placed after the picture by decoding the
        # picture (PngImageFile.getexif), which for a PNG under its size check (a 450 kB PNG of 144 megapixels) took
        # 0.9 s and 430 MB on the event loop at every completion
        return _facts(exif_of_tiff(png_exif(head) or b""))
    try:
        # not Image.open: it refuses a photo of over ~179 megapixels, whose completion then failed with a 500
        exif = exif_of(head)
    except (UnidentifiedImageError, DecompressionBombError, OSError, ValueError, SyntaxError):
        return PhotoFacts()
    return _facts(exif)


def read_heif_facts(fh: BinaryIO, size: int) -> PhotoFacts | None:
    """The facts of a HEIF/HEIC photo (Pillow cannot open HEIF, so its EXIF item is found with the scrubber's box
    readers), reading only [0, `size`) of `fh`. None when those bytes do not hold the whole EXIF item, or do not
    parse: the caller may try again with the whole file."""
    from backend.media.scrub.isobmff import heif_exif_item, heif_item_exif  # the scrubbers: only when needed

    try:
        item = heif_exif_item(fh, size)
    except Malformed:
        return None
    return _facts(heif_item_exif(item or b""))  # none, or a broken one: no facts
