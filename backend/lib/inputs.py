"""No U+0000 in anything the API takes.

PostgreSQL's text and jsonb cannot hold the NUL character: a report text, a query parameter or a device token
carrying one failed deep inside a statement, as a 500 (SQLite stored it, so the two databases disagreed). It has
no business in any field here, so it is refused at the edge, on both databases alike, with a pointer to each field
that carries it. The body check is a byte search for JSON's `\\u0000` escape (a raw NUL cannot appear in valid
JSON); only a hit pays for decoding, to find the fields.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request

from backend.lib.errors import FieldProblem, ZanError

_ESCAPED_NUL = b"\\u0000"
_CODE = "control_character"


def _json_pointers(value: Any, pointer: str = "") -> list[str]:
    if isinstance(value, str):
        return [pointer] if "\x00" in value else []
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _json_pointers(item, f"{pointer}/{i}")]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = str(key).replace("~", "~0").replace("/", "~1")
            found += [f"{pointer}/{name}"] if "\x00" in str(key) else _json_pointers(item, f"{pointer}/{name}")
        return found
    return []


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """Litestar before_request hook: 422 validation.failed naming every field with a U+0000."""
    problems: list[FieldProblem] = []
    query: bytes = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        problems += [FieldProblem(f"#query/{key.replace(chr(0), '')}", _CODE)
                     for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                     if "\x00" in key or "\x00" in value]
    if "\x00" in request.scope.get("path", ""):
        problems.append(FieldProblem("#path", _CODE))
    media_type = request.content_type[0]
    if media_type == "application/json" or media_type.endswith("+json"):
        body = await request.body()
        if _ESCAPED_NUL in body:
            # the escape may be a literal backslash followed by "u0000": only decoded strings tell. A body that
            # is not JSON at all is left to its own decoding, which answers that
            with contextlib.suppress(msgspec.DecodeError):
                problems += [FieldProblem(p, _CODE) for p in _json_pointers(msgspec.json.decode(body))]
    if problems:
        raise ZanError("validation.failed", 422, errors=problems)
