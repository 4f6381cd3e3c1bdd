"""What the API takes, checked at the edge: JSON bodies labelled as JSON, their values of the schema's own types, and no
U+0000 anywhere.

A body for a handler's `data` must be labelled JSON (`application/json`, or a type with the `+json` suffix, RFC 6839;
parameters such as `charset=utf-8` are ignored: RFC 8259 defines none). Litestar decodes it as JSON whatever its
Content-Type says, or without one: a partner's request labelled `text/plain` was carried out, and those labels (with
`application/x-www-form-urlencoded` and `multipart/form-data`) are the ones a browser sends cross-site without asking
first. Such a request is answered 415 `request.unsupported_media_type` by the app's own guard, which runs before every
controller's: a partner's signature is not claimed by a request refused for its label (the label is not signed), so
the same request, labelled right, may be sent again. An empty body says nothing of its type and is left to the
handler. Raw uploads (media files, evidence chunks) and the Telegram webhooks take no `data`: they are not checked.

A `data` body's values must be of the types its msgspec Struct declares: Litestar converts it in msgspec's lax mode,
meant for query strings, which took `{"satisfaction": "5"}` as 5 and `"true"` as a boolean. The body is converted
strictly here, once the guards have let the request in, and a value of another type is 422 `validation.failed`
(`wrong_type`, with its pointer) as any other invalid field is. Query, path and header parameters arrive as text and
are still converted by Litestar.

PostgreSQL's text and jsonb cannot hold the NUL character: a report text, a query parameter or a device token
carrying one failed deep inside a statement, as a 500 (SQLite stored it, so the two databases disagreed). It has
no business in any field here, so it is refused at the edge, on both databases alike, with a pointer to each field
that carries it. The body check is a byte search for JSON's `\\u0000` escape (a raw NUL cannot appear in valid
JSON); only a hit pays for decoding, to find the fields.

An instant must be one the service can compute with: its UTC time from year 2 to 9998. "0001-01-01T00:00:00+05:00"
is a valid ISO 8601 instant, but in UTC it falls in year 0, which Python's datetime cannot hold: an extension's new
term or a tablet's location time of it failed wherever the service first converted it, as a 500. The margin of a year
at each end covers what the service adds to an instant (Almaty's offset, a day's end, working days, a term's two
months); no real instant is near it. Such a value is 422 `out_of_range` at its pointer, checked once here for every
body's instants rather than by each operation.

Which bodies: every one a handler takes as `data` (labelled JSON by then, or empty), and any other labelled JSON (the
webhooks decode theirs themselves). Raw uploads (media files,
evidence chunks) have no `data` and are not JSON: their bytes are never looked into, even labelled JSON. A label
is the client's word: believed, it made the embedded upload link read 100 MB into memory before its handler could
refuse a forged token or an announced size. They are told apart by their own, larger body limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, cast
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException, ValidationException
from litestar.handlers.base import BaseRouteHandler

from backend.lib.errors import FieldProblem, ZanError
from backend.lib.json_bodies import decode_body

_ESCAPED_NUL = b"\\u0000"
_CODE = "control_character"


# a member whose name is itself a hit, put in place of its value so that the walk reports it where it stands
_NAME_HIT = object()


def _pointers_to(value: Any, hit: Callable[[Any], bool],
                 name_hit: Callable[[str], bool] = lambda _: False) -> list[str]:
    """RFC 6901 pointers to every value of a body (decoded JSON, or converted: Structs by the names the body gives
    their members, tuples) that `hit` takes, and to every member whose name `name_hit` takes, in document order.
    Iterative: the decoder accepts nesting nearly as deep as the recursion limit, which a recursive walk would then
    exceed."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        children: list[tuple[str, Any]] = []
        if item is _NAME_HIT or (not isinstance(item, (msgspec.Struct, list, tuple, dict)) and hit(item)):
            found.append(pointer)
        elif isinstance(item, msgspec.Struct):
            names = zip(item.__struct_fields__, item.__struct_encode_fields__, strict=True)
            children = [(f"{pointer}/{sent}", getattr(item, name)) for name, sent in names]
        elif isinstance(item, (list, tuple)):
            children = [(f"{pointer}/{i}", child) for i, child in enumerate(item)]
        elif isinstance(item, dict):
            children = [(f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}",
                         _NAME_HIT if name_hit(str(key)) else child) for key, child in item.items()]
        stack.extend(reversed(children))
    return found


def _json_pointers(value: Any) -> list[str]:
    """Pointers to every string (or member name) of a decoded body holding a U+0000, in document order."""
    return _pointers_to(value, lambda item: isinstance(item, str) and "\x00" in item, lambda name: "\x00" in name)


def is_json(media_type: str) -> bool:
    """A Content-Type's media type (lower case, without its parameters, as Litestar's `request.content_type[0]`)
    that labels JSON: `application/json`, or one with JSON's structured syntax suffix (`application/problem+json`)."""
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def takes_json_data(handler: BaseRouteHandler) -> bool:
    """Whether Litestar will decode the request's body as JSON for this handler's `data` argument."""
    data = handler.parsed_data_field
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
        # for `data`, the request's own decoding (backend.lib.json_bodies.ZanRequest): its result is cached and the
        # handler's arguments are built from it; both read a lone surrogate escape as U+FFFD
        return await request.json() if for_data else decode_body(body)
    except (SerializationException, msgspec.DecodeError):
        return msgspec.UNSET
    except RecursionError as exc:
        raise ZanError("validation.body_malformed", 400) from exc


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """422 validation.failed naming every field with a U+0000 (the first of `check_request`'s checks)."""
    problems: list[FieldProblem] = []
    query: bytes = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        problems += [FieldProblem(f"#query/{key.replace(chr(0), '')}", _CODE)
                     for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                     if "\x00" in key or "\x00" in value]
    if "\x00" in request.scope.get("path", ""):
        problems.append(FieldProblem("#path", _CODE))
    for_data = takes_json_data(request.route_handler)
    if for_data or (is_json(request.content_type[0]) and _reads_json_itself(request)):
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


async def _carries_content(request: Request[Any, Any, Any]) -> bool:
    """Whether the request has a body: by its Content-Length when it gives one (nothing read), else by reading it (a
    chunked body; no larger than the route's limit)."""
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip(" \t0") != ""  # "0", or "00": no body
    return bool(await request.body())


async def require_json_body(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app's guard, run before every controller's (see the module docstring): 415 for a `data` body that is not
    labelled JSON, pointing at the Content-Type header (`required` without one)."""
    if connection.scope["type"] != "http" or not takes_json_data(handler):
        return
    request = cast("Request[Any, Any, Any]", connection)
    media_type = request.content_type[0]
    if is_json(media_type) or not await _carries_content(request):
        return
    # the reasons spelled out: the field-error catalogue's test reads them from the source
    label = FieldProblem("#header/Content-Type", "invalid") if media_type else FieldProblem("#header/Content-Type",
                                                                                            "required")
    raise ZanError("request.unsupported_media_type", 415, errors=[label])


def _strict_problem(exc: msgspec.ValidationError) -> ValidationException:
    """msgspec's "Expected `int`, got `str` - at `$.satisfaction`" as Litestar reports a body field's problem (its
    path without `$.`; `data` for the body itself), for the app's one validation handler to point at."""
    message, at, path = str(exc).rpartition(" - at `$")
    if not at:
        message, path = str(exc), ""
    return ValidationException(extra=[{"message": message, "key": path.rstrip("`").lstrip(".") or "data",
                                       "source": "body"}])


# the years of an instant's UTC time the service can compute with (see the module docstring)
_FIRST_YEAR, _LAST_YEAR = 2, 9998


def _computable(value: date) -> bool:
    """Whether a date or an instant (in UTC, when it has an offset) lies within the years the service computes in."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # before year 1 or past 9999 in UTC
            return False
    return _FIRST_YEAR <= value.year <= _LAST_YEAR


def _incomputable_dates(value: Any) -> list[str]:
    """Pointers to every date or instant of a converted body out of the service's years, in document order."""
    return _pointers_to(value, lambda item: isinstance(item, date) and not _computable(item))


async def refuse_loose_types(request: Request[Any, Any, Any]) -> None:
    """A `data` body converted to its declared type in msgspec's strict mode, its instants within the years the
    service computes in (see the module docstring); a body that is not JSON at all is left to Litestar's own
    answer."""
    data = request.route_handler.parsed_data_field
    body = await request.body() if takes_json_data(request.route_handler) else b""
    if data is None or not body:
        return
    value = await _decoded_body(request, body, for_data=True)
    if value is msgspec.UNSET:
        return
    try:
        # Litestar's own conversion, but strict: the same type hooks, and JSON's object keys taken for the
        # non-string keys a Struct may declare
        converted = msgspec.convert(value, data.annotation, strict=True,
                                    dec_hook=request.route_handler.default_deserializer, str_keys=True)
    except msgspec.ValidationError as exc:
        raise _strict_problem(exc) from exc
    out_of_range = _incomputable_dates(converted)
    if out_of_range:
        raise ZanError("validation.failed", 422, errors=[FieldProblem(p, "out_of_range") for p in out_of_range])


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Litestar before_request hook, run once the guards have let the request in: no U+0000 anywhere, then the body's
    types."""
    await refuse_nul_characters(request)
    await refuse_loose_types(request)
