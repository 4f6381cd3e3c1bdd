"""Where a video was shot, kept as evidence like a photo's EXIF GPS (and no more than the report's own location
tells): only text that is nothing but ISO 6709 coordinates, so no name can ride along in it."""

from __future__ import annotations

import re

_ISO6709 = re.compile(rb"[+-]\d{1,3}(?:\.\d+)?[+-]\d{1,3}(?:\.\d+)?(?:[+-]\d+(?:\.\d+)?)?/?")


def is_coordinates(text: bytes) -> bool:
    return _ISO6709.fullmatch(text) is not None
