"""What files are taken: the kinds and their types (with the aliases apps send), and what the bytes must say.

A declared type is checked twice: by name here when it is declared (`kind_of`), and against the uploaded bytes when
it is completed (`sniff_ok`: magic numbers, and for the ISO media family the brands its `ftyp` box names).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from backend.lib.errors import FieldProblem, ZanError

MB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    name: str
    max_bytes: int
    content_types: frozenset[str]


KINDS = (
    Kind("photo", 10 * MB, frozenset({"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"})),
    Kind("video", 100 * MB, frozenset({"video/mp4", "video/quicktime", "video/3gpp", "video/webm"})),
    Kind("audio", 20 * MB, frozenset({"audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/amr",
                                      "audio/wav", "audio/webm"})),
)

MAX_BYTES = max(kind.max_bytes for kind in KINDS)  # no declaration is for a larger file

# The extension a stored file is downloaded with, for every type taken. A fixed table, not `mimetypes`: that reads
# the host's /etc/mime.types and knows no extension for audio/wav, audio/amr, audio/webm or video/3gpp on a stock
# image, so staff got "ZP-…-2.bin" for a voice note that their player would not open.
EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic", "image/heif": ".heif", "image/webp": ".webp",
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/3gpp": ".3gp", "video/webm": ".webm",
    "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg", "audio/amr": ".amr",
    "audio/wav": ".wav", "audio/webm": ".weba",
}

# Names apps really send for a type we take, each for a format the magic-byte check below already recognises: the
# file is stored under its canonical type (what staff browsers and the scrubbers know). Android's camera and
# gallery pickers say image/jpg, old Windows browsers image/pjpeg and image/x-png; iOS voice notes are .m4a, named
# audio/x-m4a (Safari, AVFoundation) or audio/m4a; Chrome and Android name MP3 audio/mp3; .wav goes as audio/x-wav
# (Firefox, Android) or audio/wave / audio/vnd.wave (the RFC 2361 names); ADTS as audio/x-aac; iPhone .m4v video
# as video/x-m4v. Deliberately not here: audio/3gpp (a 3GP voice recording holds AMR or AAC in an ISO container;
# audio/amr is the raw AMR file the check knows) and audio/amr-wb (its magic differs from AMR-NB's).
ALIASES: dict[str, str] = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-aac": "audio/aac",
    "video/x-m4v": "video/mp4",
}


def canonical_type(content_type: str) -> str:
    """The type a file is stored under. MIME types are case-insensitive and may carry parameters (a browser's
    MediaRecorder says `audio/webm;codecs=opus`): neither changes which format the bytes must be."""
    bare = content_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(bare, bare)


def kind_of(content_type: str) -> Kind:
    """The kind of a declared type (an alias counts as its canonical type); 422 for a type not taken."""
    canonical = canonical_type(content_type)
    for kind in KINDS:
        if canonical in kind.content_types:
            return kind
    raise ZanError("media.type_not_allowed", 422, errors=[FieldProblem("/content_type", "invalid")])


# magic numbers: the declared type must match what was actually uploaded. A type has one or more signatures; a
# signature is bytes at offsets, all of which must be there (a RIFF file names its form at offset 8: "WEBP" alone
# could follow any 8 bytes, and "RIFF" alone is any RIFF file, an AVI as well as a WAV)
_Signature = tuple[tuple[int, bytes], ...]


def _at(offset: int, magic: bytes) -> _Signature:
    return ((offset, magic),)


_FTYP = _at(4, b"ftyp")
_SIGNATURES: dict[str, tuple[_Signature, ...]] = {
    "image/jpeg": (_at(0, b"\xff\xd8\xff"),),
    "image/png": (_at(0, b"\x89PNG\r\n\x1a\n"),),
    "image/webp": (((0, b"RIFF"), (8, b"WEBP")),),
    "image/heic": (_FTYP,),
    "image/heif": (_FTYP,),
    "video/mp4": (_FTYP,),
    "video/quicktime": (_FTYP, _at(4, b"moov"), _at(4, b"wide"), _at(4, b"mdat")),
    "video/3gpp": (_FTYP,),
    "video/webm": (_at(0, b"\x1a\x45\xdf\xa3"),),
    "audio/webm": (_at(0, b"\x1a\x45\xdf\xa3"),),
    # a Layer III frame of MPEG-1, 2 or 2.5 (a voice recorder's 8 kHz MP3 is 2.5), with CRCs or without
    "audio/mpeg": (_at(0, b"ID3"), *(_at(0, b"\xff" + bytes([second]))
                                     for second in (0xFB, 0xFA, 0xF3, 0xF2, 0xE3, 0xE2))),
    "audio/mp4": (_FTYP,),
    # an ADTS frame of MPEG-4 or MPEG-2 AAC, with CRCs or without, or an ID3 tag in front of one (the scrubber takes
    # such a tag off: scrub.scrub_tagged_audio)
    "audio/aac": (_at(0, b"ID3"), *(_at(0, b"\xff" + bytes([second])) for second in (0xF1, 0xF9, 0xF0, 0xF8))),
    "audio/ogg": (_at(0, b"OggS"),),
    "audio/amr": (_at(0, b"#!AMR"),),
    "audio/wav": (((0, b"RIFF"), (8, b"WAVE")),),
}


def sniff_ok(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file are of its declared type (and, for an ISO media file, of its kind)."""
    canonical = canonical_type(content_type)
    if not any(all(head[offset: offset + len(magic)] == magic for offset, magic in signature)
               for signature in _SIGNATURES.get(canonical, ())):
        return False
    if head[4:8] != b"ftyp":
        return True
    return kind_of(canonical).name in kinds_of_ftyp(head)


# -- ISO media (MP4, M4A, MOV, 3GP, HEIF): one container for audio, video and still images -------------------------
# Its `ftyp` box names a major brand and the brands the file is compatible with. Some brands say what the file is:
# the iTunes/AVFoundation audio brands are audio only (an iPhone voice memo: M4A  with mp42 isom), the HEIF brands
# are still images; others are video only. The generic ISO brands (isom, iso2…, mp41, mp42) are not: ffmpeg and
# Android's MediaRecorder write audio-only .m4a files as isom or mp42 with no audio brand at all, so they prove
# nothing either way; nor do the 3GPP brands, as the THREE_GPP format of Android's MediaRecorder is what many voice
# recorder apps write audio-only recordings in (brand 3gp4). Such a file stays what it was declared as (timed
# media: audio or video), as before this check.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_VIDEO_BRANDS = frozenset({b"qt  ", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"F4V ", b"f4v ", b"XAVC", b"MSNV"})
_IMAGE_BRANDS = frozenset({b"mif1", b"msf1", b"miaf", b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis",
                           b"hevm", b"hevs", b"avif", b"avis", b"MiHE", b"MiHA", b"MiHB"})
_TIMED_BRANDS = frozenset({b"isom", b"mp41", b"mp42", b"mp71", b"mmp4", b"dash", b"iso2", b"iso3", b"iso4",
                           b"iso5", b"iso6", b"iso7", b"iso8", b"iso9"})
_TIMED_PREFIXES = (b"3gp", b"3g2", b"3ge", b"3gg", b"3gr", b"3gs")
_ALL_KINDS = frozenset({"photo", "video", "audio"})
_FTYP_READ = 4096  # a real ftyp box names a handful of brands; more than this is not a box worth believing


def _brand_kinds(brand: bytes) -> frozenset[str] | None:
    """The kinds a brand allows; None for a brand that says nothing (unknown, or a generic one)."""
    if brand in _AUDIO_BRANDS:
        return frozenset({"audio"})
    if brand in _VIDEO_BRANDS:
        return frozenset({"video"})
    if brand in _IMAGE_BRANDS:
        return frozenset({"photo"})
    if brand in _TIMED_BRANDS or brand.startswith(_TIMED_PREFIXES):
        return frozenset({"audio", "video"})
    return None


def ftyp_brands(head: bytes) -> tuple[bytes, list[bytes]]:
    """(major brand, compatible brands) of a file that starts with an ftyp box (b"" when it is cut short)."""
    size = struct.unpack(">I", head[:4])[0] if len(head) >= 4 else 0
    start = 8
    if size == 1 and len(head) >= 16:  # a 64-bit size follows the type
        size, start = struct.unpack(">Q", head[8:16])[0], 16
    end = min(len(head), _FTYP_READ, size if size >= start + 8 else len(head))
    major = head[start: start + 4]
    # after the major brand comes its minor version (4 bytes), then the compatible brands
    compatible = [head[at: at + 4] for at in range(start + 8, end - 3, 4)]
    return major, compatible


def kinds_of_ftyp(head: bytes) -> frozenset[str]:
    """The kinds an ISO media file may be, from its brands. The major brand decides when it says something; else
    the compatible brands that say something: a definite kind (audio, video or image) among them wins over the
    generic "audio or video"; a file whose brands say nothing is let through as whatever it was declared."""
    major, compatible = ftyp_brands(head)
    decided = _brand_kinds(major)
    if decided is not None and len(decided) == 1:
        return decided
    named = [kinds for kinds in map(_brand_kinds, compatible) if kinds is not None]
    definite = frozenset().union(*(kinds for kinds in named if len(kinds) == 1))
    if definite:
        return definite
    if decided is not None:
        return decided
    if named:
        return frozenset().union(*named)
    return _ALL_KINDS
