"""No U+0000 in anything the API takes.

PostgreSQL's text and jsonb cannot hold the NUL character: a report text, a query parameter or a device token
carrying one failed deep inside a statement, as a 500 (SQLite stored it, so the two databases disagreed). It has
no business in any field here, so it is refused at the edge, on both databases alike, with a pointer to each field
that carries it. The body check is a byte search for JSON's `\\u0000` escape (a raw NUL cannot appear in valid
JSON); only a hit pays for decoding, to find the fields.

Which bodies: every one a handler takes as `data` (Litestar decodes it as JSON whatever its Content-Type says, or
without one), and any other labelled JSON (the webhooks decode theirs themselves). Raw uploads (media files,
evidence chunks) have no `data` and are not JSON: their bytes are never looked into, even labelled JSON. A label
is the client's word: believed, it made the embedded upload link read 100 MB into memory before its handler could
refuse a forged token or an announced size. They are told apart by their own, larger body limit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException

from backend.lib.errors import FieldProblem, ZanError

_ESCAPED_NUL = b"\\u0000"
_CODE = "control_character"


def _json_pointers(value: Any) -> list[str]:
    """RFC 6901 pointers to every string (or member name) holding a U+0000, in document order. Iterative: the
    decoder accepts nesting nearly as deep as the recursion limit, which a recursive walk would then exceed."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(pointer)
        elif isinstance(item, list):
            stack.extend((f"{pointer}/{i}", child) for i, child in reversed(list(enumerate(item))))
        elif isinstance(item, dict):
            children: list[tuple[str, Any]] = []
            for key, child in item.items():
                name = str(key).replace("~", "~0").replace("/", "~1")
                # a member whose name holds the NUL is reported itself, as a NUL string in its place would be
                children.append((f"{pointer}/{name}", "\x00" if "\x00" in str(key) else child))
            stack.extend(reversed(children))
    return found


def _takes_json_data(request: Request[Any, Any, Any]) -> bool:
    """Whether Litestar will decode this request's body as JSON for the handler's `data` argument."""
    data = request.route_handler.parsed_data_field
    if data is None:
        return False
    return getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON) == RequestEncodingType.JSON


def _reads_json_itself(request: Request[Any, Any, Any]) -> bool:
    """Whether a handler without `data` takes a JSON body it decodes itself (a webhook), not a raw upload: it takes
    no more than the app lets any JSON body be. A raw upload route raises its own limit (files up to 100 MB, evidence
    chunks of 8 MB) and streams its body, which must not be buffered here first."""
    limit = request.route_handler.resolve_request_max_body_size()
    app_limit = request.app.request_max_body_size
    return limit is not None and isinstance(app_limit, int) and limit <= app_limit


async def _decoded_body(request: Request[Any, Any, Any], body: bytes, for_data: bool) -> Any:
    """The body decoded, or msgspec.UNSET when it is not JSON at all (its handler answers that). Nesting too deep
    for the decoder (RecursionError, not a DecodeError) is a malformed body, not a 500."""
    try:
        # for `data`, Litestar's own decoding: its result is cached and the handler's arguments are built from it
        return await request.json() if for_data else msgspec.json.decode(body)
    except (SerializationException, msgspec.DecodeError):
        return msgspec.UNSET
    except RecursionError as exc:
        raise ZanError("validation.body_malformed", 400) from exc


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
    for_data = _takes_json_data(request)
    if for_data or ((media_type == "application/json" or media_type.endswith("+json"))
                    and _reads_json_itself(request)):
        body = await request.body()
        # a `data` body is decoded here in any case, so that too deep a nesting is answered 400 (Litestar's own
        # decoding lets RecursionError escape as a 500); others only when the escape is there to be found
        if body and (for_data or _ESCAPED_NUL in body):
            value = await _decoded_body(request, body, for_data)
            # the escape may be a literal backslash followed by "u0000": only decoded strings tell
            if _ESCAPED_NUL in body and value is not msgspec.UNSET:
                problems += [FieldProblem(p, _CODE) for p in _json_pointers(value)]
    if problems:
        raise ZanError("validation.failed", 422, errors=problems)
