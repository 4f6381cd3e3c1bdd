"""JSON request bodies as the API reads them: a string's lone UTF-16 surrogate escape is taken as U+FFFD.

A JavaScript app that cuts a text in the middle of an emoji (`text.slice(0, 500)` splits "😀", two UTF-16 code
units) and sends it through `JSON.stringify` writes the half left over as an escape: `"… \\ud83d"`. RFC 8259 §8.2
allows such a string and leaves what it means to the receiver; msgspec refuses the whole body ("Input data was
truncated", "invalid utf-16 surrogate pair"). A citizen's report was then refused as not being JSON, and a tablet's
sync push, which the tablet sends again as it was, kept its queue stuck for good. Python could hold the half, but
neither database could store it (UTF-8 has no encoding for it).

So each escape of a half without its other half (a high one not followed by a low one's escape, a low one not after
a high one) is read as U+FFFD, the replacement character, as a browser's TextEncoder and WHATWG's USVString
conversion do: the rest of what the citizen or the officer wrote is kept, and the mark shows where the half was. A
whole pair stays the character it encodes; an escaped backslash followed by "ud83d" is no escape and stays text.

Only the bytes decoded are repaired, and only after msgspec refused them: the body itself (`request.body()`) stays
as sent, which a partner's signature is checked over. A body that is still not JSON is answered as before, 400
`validation.body_malformed`. Raw UTF-8 that is not valid (a byte-cut character, another encoding) is not repaired:
that is a client sending something other than UTF-8 JSON, which RFC 8259 §8.1 requires, not a cut text.

Every text of a decoded body is also taken in Unicode's composed form (NFC): "й" typed as one character or as "и"
and a combining breve is the same text on every screen (an input method or a library on one platform decomposes
what another composes). Stored as sent, the two were different texts to every comparison after it: a retry of a
report in the other form was 409 `idempotency.key_reused` (its hash is over the decoded request), a search or a
length limit counted the marks apart. The sync ledger's fingerprint already reads texts as NFC. A password is left
as typed: its hash was made of the form it was set in, and composing it now would lock out whoever set it
decomposed. Invisible controls (a terminal escape, a right-to-left override) are left out of texts the same way, and
other line breaks become new lines (_INVISIBLE).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException
from litestar.serialization import decode_json
from litestar.types import Empty

# an escaped backslash first (so the "\\" of "\\ud83d" is never taken as an escape's start), then a high half with
# its low half if it has one, then a low half alone; matched left to right, without overlaps
_HIGH, _LOW = rb"\\u[dD][89abAB][0-9a-fA-F]{2}", rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_ESCAPES = re.compile(rb"\\\\|" + _HIGH + rb"(?:" + _LOW + rb")?|" + _LOW)
_PAIR_LENGTH = len(rb"\ud83d\ude00")
_REPLACEMENT = rb"\ufffd"
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _escape_as_written(match: re.Match[bytes]) -> bytes:
    token = match.group()
    return token if token == b"\\\\" or len(token) == _PAIR_LENGTH else _REPLACEMENT


def well_formed(body: bytes) -> bytes:
    """`body` with each lone surrogate escape replaced by `\\ufffd`'s; `body` itself (the same object) when it has
    none."""
    repaired = _ESCAPES.sub(_escape_as_written, body)
    return body if repaired == body else repaired


def decode_repairing(body: bytes, decode: Callable[[bytes], Any]) -> Any:
    """`decode(body)`; when it refuses the body (msgspec.DecodeError, or Litestar's SerializationException, which
    wraps it), `decode` of the body with its lone surrogate escapes taken as U+FFFD. A body that has none is refused
    as it was (the same error), and a repaired one that is still not JSON by `decode`'s own error. One UTF-8 byte
    order mark before the JSON is passed over (RFC 8259 §8.1 lets a parser ignore it; .NET's Encoding.UTF8 and
    Windows PowerShell 5 write it first), as only the decoded bytes are: a signature is over the body as sent."""
    body = body.removeprefix(_BYTE_ORDER_MARK)
    try:
        return decode(body)
    except (msgspec.DecodeError, SerializationException):
        repaired = well_formed(body)
        if repaired is body:
            raise
        return decode(repaired)


# members whose texts are compared as typed (a password's hash), never recomposed
_AS_TYPED = "password"


# Controls that show as something other than text: C0 (but tab, new line, carriage return; NUL is refused at the edge
# with a pointer, backend/lib/inputs.py), DEL, C1, and the bidi embeddings, overrides and isolates. A terminal escape
# colours or moves a console's or a terminal's text, a right-to-left override shows words reversed: left out. A line
# break by another name (Word's vertical tab, a form feed, the line and paragraph separators) is a new line.
_LINE_BREAKS = {0x0B: "\n", 0x0C: "\n", 0x2028: "\n", 0x2029: "\n"}
_INVISIBLE = dict.fromkeys((*range(0x01, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                            *range(0x2066, 0x206A)))
_CLEAN = str.maketrans({**_INVISIBLE, **_LINE_BREAKS})
_UNCLEAN = re.compile("[\x01-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _composed(text: str) -> str:
    if _UNCLEAN.search(text):
        text = text.translate(_CLEAN)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def composed(value: Any) -> Any:
    """A decoded JSON value with every text in NFC and without invisible controls (see the module docstring and
    _INVISIBLE), members named as passwords aside.
    The decoder's own lists and dicts are changed in place. Iterative: nesting may be nearly as deep as the
    recursion limit."""
    if isinstance(value, str):
        return _composed(value)
    if not isinstance(value, (dict, list)):  # a number, true/false, null
        return value
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        members = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in members:
            if isinstance(child, str):
                if not isinstance(key, str) or _AS_TYPED not in key.lower():  # (a list's index: no name)
                    item[key] = _composed(child)  # a value replaced, no member added: the walk goes on
            elif isinstance(child, (dict, list)):
                stack.append(child)
    return value


def decode_body(body: bytes) -> Any:
    """A JSON body decoded, lone surrogate escapes taken as U+FFFD; msgspec.DecodeError if it is not JSON."""
    return decode_repairing(body, msgspec.json.decode)


class ZanRequest(Request[Any, Any, Any]):
    """The app's request class: `json()`, which every handler's `data` is built from, reads lone surrogate escapes
    as U+FFFD and gives its texts in NFC (see the module docstring)."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            # decoded as Litestar's own json() decodes it, and cached where that keeps its result (this request, and
            # the scope's state that other request objects of the same request read), so the body is decoded once
            type_decoders = self.route_handler.resolve_type_decoders()
            body = await self.body()
            self._json = self._connection_state.json = composed(decode_repairing(
                body or b"null", lambda raw: decode_json(raw, type_decoders=type_decoders)))
        return await super().json()
