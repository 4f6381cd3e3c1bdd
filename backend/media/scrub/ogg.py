"""Ogg (Opus and Vorbis, the voice notes of Telegram, WhatsApp and Android recorders): the comment header goes.

An Ogg stream carries its tags in its second packet (OpusTags, or Vorbis's comment header): title, artist,
encoder, and whatever an app writes there, often the account name or the phone. The packet is replaced by an empty
one (no vendor string, no comments). The header packets are paginated afresh, so every later page of the stream
gets a new sequence number and checksum; the audio packets themselves are copied byte for byte.

Any other codec in an Ogg file (FLAC, Speex, Theora, a Skeleton index) raises Unsupported: its headers are not
known here, so the file is withheld rather than handed out with them.
"""

from __future__ import annotations

import functools
import struct
import zlib

from backend.media.scrub.errors import Malformed, Unsupported

_CONTINUED, _BOS = 0x01, 0x02
_NO_GRANULE = 0xFFFF_FFFF_FFFF_FFFF  # "no packet ends on this page"
_MAX_LACES = 255

# codec by its first packet → (number of header packets, the empty comment header that replaces the second)
_CODECS = {
    b"OpusHead": (2, b"OpusTags" + struct.pack("<II", 0, 0)),
    b"\x01vorbis": (3, b"\x03vorbis" + struct.pack("<II", 0, 0) + b"\x01"),  # ends with Vorbis's framing bit
}

_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


@functools.lru_cache(maxsize=64)
def _crc_of_zeros(length: int) -> int:
    return zlib.crc32(bytes(length))


def ogg_crc(page: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, initial value 0, no final XOR), computed in C.

    zlib's CRC-32 is the reflected form of the same polynomial with ~0 as initial and final value. Feeding it the
    bytes bit-reversed and bit-reversing the result gives the non-reflected CRC; XOR with zlib's CRC of as many
    zero bytes cancels the ~0s (a CRC is affine in its initial value). A pure-Python table loop over a 20 MB voice
    note would take seconds; this takes milliseconds."""
    reflected = zlib.crc32(page.translate(_BIT_REVERSED)) ^ _crc_of_zeros(len(page))
    return int(f"{reflected:032b}"[::-1], 2)


def _page(flags: int, granule: int, serial: int, sequence: int, laces: bytes, body: bytes) -> bytes:
    header = struct.pack("<4sBBQIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(laces))
    page = header + laces + body
    return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


class _Stream:
    """One logical stream: its header packets are gathered, then its pages are renumbered."""

    def __init__(self, serial: int, first_sequence: int) -> None:
        self.serial = serial
        self.sequence = first_sequence  # the next page's number in the output
        self.packets: list[bytes] = []
        self.partial = bytearray()
        self.needed = 0  # header packets, known from the first one
        self.empty_comment = b""

    @property
    def in_headers(self) -> bool:
        return self.needed == 0 or len(self.packets) < self.needed

    def take_header_page(self, flags: int, laces: bytes, body: bytes) -> bytes:
        """Gather the packets of one header page; once the last header packet is complete, the new header pages."""
        if bool(flags & _CONTINUED) != bool(self.partial):
            raise Malformed("a page's continuation flag does not match its stream")
        pos = 0
        for lace in laces:
            if not self.in_headers:
                raise Malformed("audio shares a page with the stream's headers")
            self.partial += body[pos:pos + lace]
            pos += lace
            if lace < _MAX_LACES:
                self._packet_complete(bytes(self.partial))
                self.partial.clear()
        if self.in_headers:
            return b""
        if self.partial:
            raise Malformed("audio shares a page with the stream's headers")
        self.packets[1] = self.empty_comment
        return b"".join(self._paginate(packet, bos=index == 0) for index, packet in enumerate(self.packets))

    def _packet_complete(self, packet: bytes) -> None:
        if not self.packets:
            codec = next((codec for magic, codec in _CODECS.items() if packet.startswith(magic)), None)
            if codec is None:
                raise Unsupported(f"an Ogg stream of another codec ({packet[:8]!r})")
            self.needed, self.empty_comment = codec
        self.packets.append(packet)

    def _paginate(self, packet: bytes, *, bos: bool) -> bytes:
        """`packet` on pages of its own: 255 laces per page at most, the last lace < 255 ends the packet."""
        laces = bytes([_MAX_LACES] * (len(packet) // _MAX_LACES) + [len(packet) % _MAX_LACES])
        out, lace_pos, body_pos = bytearray(), 0, 0
        while lace_pos < len(laces):
            chunk = laces[lace_pos:lace_pos + _MAX_LACES]
            size = sum(chunk)
            ends = lace_pos + len(chunk) == len(laces)
            flags = (_BOS if bos and lace_pos == 0 else 0) | (_CONTINUED if lace_pos else 0)
            out += _page(flags, 0 if ends else _NO_GRANULE, self.serial, self.next_sequence(), chunk,
                         packet[body_pos:body_pos + size])
            lace_pos += len(chunk)
            body_pos += size
        return bytes(out)

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence - 1


def scrub_ogg(data: bytes) -> bytes:
    out = bytearray()
    streams: dict[int, _Stream] = {}
    pos = 0
    while pos < len(data):
        if len(data) - pos < 27 or data[pos:pos + 4] != b"OggS" or data[pos + 4] != 0:
            raise Malformed(f"no Ogg page at {pos}")
        flags, granule, serial, sequence = struct.unpack("<BQII", data[pos + 5:pos + 22])
        count = data[pos + 26]
        laces = data[pos + 27:pos + 27 + count]
        end = pos + 27 + count + sum(laces)
        if len(laces) < count or end > len(data):
            raise Malformed("truncated page")
        stream = streams.get(serial)
        if flags & _BOS:  # a new stream, or a chained one that reuses a serial: its headers (and tags) come again
            stream = streams[serial] = _Stream(serial, sequence)
        elif stream is None:
            raise Malformed("a page of a stream that never began")
        if stream.in_headers:
            out += stream.take_header_page(flags, laces, data[pos + 27 + count:end])
        else:  # an audio page, copied; only its number (and so its checksum) changes
            page = data[pos:end]
            out += _page(flags, granule, serial, stream.next_sequence(), laces, page[27 + count:])
        pos = end
    if not streams or any(stream.in_headers for stream in streams.values()):
        raise Malformed("the file ends inside a stream's headers")
    return bytes(out)
