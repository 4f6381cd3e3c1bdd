"""Ogg (Opus and Vorbis, the voice notes of Telegram, WhatsApp and Android recorders, and FLAC): the comments go.

An Ogg stream carries its tags in its header packets (OpusTags, Vorbis's comment header, FLAC's VORBIS_COMMENT
block): title, artist, encoder, and whatever an app writes there, often the account name or the phone. That packet
is replaced by an empty one (no vendor string, no comments); FLAC's other metadata blocks (a cover picture, an
application's block, a cue sheet) go as well. The header packets are paginated afresh, so every later page of the
stream gets a new sequence number and checksum; the audio packets themselves are copied byte for byte.

Any other codec in an Ogg file (Speex, Theora, a Skeleton index) raises Unsupported: its headers are not known
here, so the file is withheld rather than handed out with them.
"""

from __future__ import annotations

import functools
import struct
import zlib

from backend.media.scrub.errors import Malformed, Unsupported

_CONTINUED, _BOS = 0x01, 0x02
_NO_GRANULE = 0xFFFF_FFFF_FFFF_FFFF  # "no packet ends on this page"
_MAX_LACES = 255

_EMPTY_COMMENTS = struct.pack("<II", 0, 0)  # a Vorbis comment list: no vendor string, no comments
_LAST_BLOCK = 0x80  # FLAC: set on the last metadata block
_FLAC_COMMENT = 4


class _Codec:
    """How a codec's header packets end, and what replaces them."""

    def done(self, packets: list[bytes]) -> bool:
        raise NotImplementedError

    def scrubbed(self, packets: list[bytes]) -> list[bytes]:
        raise NotImplementedError


class _SecondPacketComments(_Codec):
    """Opus and Vorbis: a fixed number of header packets, the comments in the second."""

    def __init__(self, count: int, empty: bytes) -> None:
        self.count, self.empty = count, empty

    def done(self, packets: list[bytes]) -> bool:
        return len(packets) >= self.count

    def scrubbed(self, packets: list[bytes]) -> list[bytes]:
        return [packets[0], self.empty, *packets[2:]]


class _Flac(_Codec):
    """FLAC in Ogg: the first packet holds STREAMINFO and the number of header packets after it (0: not known), and
    each later header packet is one metadata block, the comments first; the last one says it is."""

    def done(self, packets: list[bytes]) -> bool:
        announced = int.from_bytes(packets[0][7:9], "big") if len(packets[0]) >= 13 else 0
        if announced:
            return len(packets) >= 1 + announced
        return len(packets) >= 2 and bool(packets[-1][:1]) and bool(packets[-1][0] & _LAST_BLOCK)

    def scrubbed(self, packets: list[bytes]) -> list[bytes]:
        first = packets[0]
        if len(first) < 51 or first[9:13] != b"fLaC" or first[13] & 0x7F != 0:
            raise Malformed("an Ogg FLAC header without its STREAMINFO")
        if any(not packet for packet in packets[1:]):
            raise Malformed("an empty FLAC metadata packet")
        # STREAMINFO is not the last block (the comments follow): one header packet after the first
        streaminfo = bytes([first[13] & 0x7F]) + first[14:]
        comments = bytes([_LAST_BLOCK | _FLAC_COMMENT]) + len(_EMPTY_COMMENTS).to_bytes(3, "big") + _EMPTY_COMMENTS
        return [first[:7] + (1).to_bytes(2, "big") + first[9:13] + streaminfo, comments]


# codec by the start of its first packet
_CODECS: dict[bytes, _Codec] = {
    b"OpusHead": _SecondPacketComments(2, b"OpusTags" + _EMPTY_COMMENTS),
    b"\x01vorbis": _SecondPacketComments(3, b"\x03vorbis" + _EMPTY_COMMENTS + b"\x01"),  # Vorbis's framing bit
    b"\x7fFLAC": _Flac(),
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
        self.codec: _Codec | None = None  # known from the first packet

    @property
    def in_headers(self) -> bool:
        return self.codec is None or not self.codec.done(self.packets)

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
        assert self.codec is not None
        return b"".join(self._paginate(packet, bos=index == 0)
                        for index, packet in enumerate(self.codec.scrubbed(self.packets)))

    def _packet_complete(self, packet: bytes) -> None:
        if not self.packets:
            self.codec = next((codec for magic, codec in _CODECS.items() if packet.startswith(magic)), None)
            if self.codec is None:
                raise Unsupported(f"an Ogg stream of another codec ({packet[:8]!r})")
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
