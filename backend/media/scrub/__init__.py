"""Identity-bearing metadata removed from a citizen's file, without touching the picture or the sound.

An anonymous report must not name its author to the police, and the author's files can: a photo's EXIF carries the
camera owner's name, the body and lens serial numbers and a maker note full of both; XMP and IPTC blocks carry
account names; a JPEG thumbnail can show the picture before it was cropped; a video's `udta`/`meta` boxes or
Matroska tags name the phone; a voice note's ID3 tags, RIFF INFO or Ogg comments name whoever recorded it. Staff get
a copy with all of that gone.

The rule is an allowlist: only what rendering needs (orientation, colour profile, pixel layout) and what makes the
file evidence (when and where it was taken: EXIF time and GPS) survives. The coded picture and sound are copied
byte for byte, never decoded and re-encoded, so the copy is exactly as good as evidence as the original.

A type with no scrubber here, or an Ogg stream of a codec whose headers are not known, raises Unsupported; staff see
the file listed without a link (the original stays in the store).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from backend.media.scrub.chunks import scrub_png, scrub_riff, scrub_tagged_audio
from backend.media.scrub.errors import Malformed, Unsupported
from backend.media.scrub.isobmff import scrub_heif, scrub_isobmff
from backend.media.scrub.jpeg import scrub_jpeg
from backend.media.scrub.matroska import scrub_matroska
from backend.media.scrub.ogg import scrub_ogg

__all__ = ["AS_IS", "IN_MEMORY", "IN_PLACE", "Malformed", "Unsupported", "kind_of_scrub", "scrub_heif",
           "scrub_isobmff", "scrub_jpeg", "scrub_matroska", "scrub_ogg", "scrub_png", "scrub_riff",
           "scrub_tagged_audio"]

# files of at most 20 MB (photos and audio), rewritten in memory
IN_MEMORY: dict[str, Callable[[bytes], bytes]] = {
    "image/jpeg": scrub_jpeg,
    "image/png": scrub_png,
    "image/webp": scrub_riff,
    "audio/wav": scrub_riff,
    "audio/mpeg": scrub_tagged_audio,
    "audio/aac": scrub_tagged_audio,
    "audio/ogg": scrub_ogg,
}
# videos up to 100 MB, and the containers they share with pictures and sound: blanked where they lie in a copy on
# disk, nothing moves and nothing is held in memory
IN_PLACE: dict[str, Callable[[BinaryIO, int], int]] = {
    "video/mp4": scrub_isobmff,
    "video/quicktime": scrub_isobmff,
    "video/3gpp": scrub_isobmff,
    "audio/mp4": scrub_isobmff,
    "image/heic": scrub_heif,
    "image/heif": scrub_heif,
    "video/webm": scrub_matroska,
    "audio/webm": scrub_matroska,
}
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
