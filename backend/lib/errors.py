"""RFC 9457 problem+json for every error, with a stable `code`, JSON pointers and localized texts.

Domain code raises `ZanError(code, status, ...)`; the handlers below turn it, Litestar's own
validation/HTTP errors and anything unexpected into the same shape, in the requester's language.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import exc as sa_exc

from backend.lib.i18n import negotiate, pick
from backend.lib.messages import ERRORS, FIELD_ERRORS

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://zan.kz/problems/"
log = logging.getLogger("zan.errors")


class FieldProblemDoc(msgspec.Struct):
    """One field's problem, as documented in OpenAPI (see `problem`)."""

    pointer: str  # JSON pointer into the body ("/location/lat"), or "#query/limit", "#header/Idempotency-Key"
    code: str  # stable: required | invalid | wrong_type | out_of_range | too_long | timezone_required | …
    detail: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every error is answered (application/problem+json); a domain may add members
    (e.g. `max_bytes`, `report_status`)."""

    type: str
    title: str  # in the requester's language (Accept-Language: kk, ru, en)
    status: int
    detail: str
    instance: str
    code: str  # stable, for programs: "validation.failed", "idempotency.key_reused", "report.not_found", …
    errors: list[FieldProblemDoc] | None = None


def problem_responses(*, takes_body: bool = False, takes_json: bool = False) -> dict[int, Any]:
    """The error answers an operation may give, for OpenAPI: Litestar would otherwise document its own
    `{status_code, detail, extra}` shape, which this API never sends. One that takes a body may also get 413
    (`request.too_large`, past its size limit), one that takes JSON 415 (`request.unsupported_media_type`)."""
    from litestar.openapi.datastructures import ResponseSpec

    described = {400: "Malformed request", 401: "Not authenticated (signature, timestamp, token)",
                 403: "Not allowed for this role", 404: "Not found (or not yours)",
                 409: "Conflict with the current state, or an Idempotency-Key reused with another body",
                 422: "Invalid fields (see errors[].pointer)", 429: "Throttled (see Retry-After)",
                 503: "A part the request needs is down (see Retry-After); nothing was changed"}
    if takes_body:
        described[413] = "The body is larger than this operation takes"
    if takes_json:
        described[415] = "The body is not labelled JSON (Content-Type: application/json)"
    return {status: ResponseSpec(data_container=Problem, description=text, media_type=PROBLEM_JSON,
                                 generate_examples=False)
            for status, text in described.items()}


@dataclass
class FieldProblem:
    pointer: str
    code: str = "invalid"
    detail: str | None = None


@dataclass
class ZanError(Exception):
    code: str
    status: int = 400
    detail: str | None = None
    errors: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}"


def not_found(code: str = "not_found") -> ZanError:
    return ZanError(code, 404)


def problem(
    request: Request[Any, Any, Any],
    code: str,
    status: int,
    *,
    detail: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[bytes]:
    lang = negotiate(request.headers.get("accept-language"))
    title = pick(ERRORS.get(code, ERRORS["internal"]), lang)
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace(".", "/"),
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.url.path,
        "code": code,
    }
    if errors:
        body["errors"] = [
            {
                "pointer": e.pointer,
                "code": e.code,
                "detail": e.detail or pick(FIELD_ERRORS.get(e.code, FIELD_ERRORS["invalid"]), lang),
            }
            for e in errors
        ]
    if extra:
        # RFC 9457's own members (status is the HTTP status) and ours are never overwritten by a domain's extras
        body.update({key: value for key, value in extra.items() if key not in body and key != "errors"})
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={"Content-Language": lang, **(headers or {})},
    )


def _zan_error_handler(request: Request[Any, Any, Any], exc: ZanError) -> Response[bytes]:
    return problem(request, exc.code, exc.status, detail=exc.detail, errors=exc.errors, headers=exc.headers,
                   extra=exc.extra)


_NAMED_FIELD = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")


def _pointer(key: str | None, source: object, message: str) -> str:
    """Litestar names the field `location.lat` / `media_ids[0]` / `data` (the body root); RFC 6901 wants
    `/location/lat`, `/media_ids/0`, ``. A missing or unknown member is pointed at by its own name."""
    source = getattr(source, "value", source)  # Litestar passes a ParamType member
    if source == "header" and key:  # Litestar names the handler's parameter; the client sent a header
        return "#header/" + "-".join(part.capitalize() for part in re.split(r"[_-]", key))
    if source in ("query", "path", "cookie") and key:
        return f"#{source}/{key}"
    path = "" if key in (None, "", "data") else str(key)
    parts = re.findall(r"([^.\[\]]+)", path)
    pointer = "".join("/" + part for part in parts)
    named = _NAMED_FIELD.search(message)
    if named:
        # a member's name is the client's own text: RFC 6901 escapes "~" and "/" in it, or "a/b" would point two
        # levels deep
        pointer = f"{pointer}/{named.group(1).replace('~', '~0').replace('/', '~1')}"
    return pointer


def _classify(message: str, key: object = None) -> str:
    lowered = message.lower()
    # no body at all where one is required: Litestar's message is only the missing argument's name ("'data'")
    if key is not None and message == repr(key):
        return "required"
    # "Expected `str` matching regex '<pattern>'": the type was right, the value is not (and the pattern quoted
    # in the message may itself contain "<=" or "length", so this is decided first)
    if "matching regex" in lowered:
        return "invalid"
    if "missing required field" in lowered:
        return "required"
    if "unknown field" in lowered:
        return "unknown_field"
    if "timezone component" in lowered:
        return "timezone_required"
    if "length" in lowered and ">=" in lowered:
        return "too_short"
    if "length" in lowered and "<=" in lowered:
        return "too_long"
    if any(op in lowered for op in (">=", "<=", "> ", "< ")):
        return "out_of_range"
    if lowered.startswith("expected"):
        return "wrong_type"
    return "invalid"


# Litestar names a missing parameter only in its message (and only the first one), with no field list
_MISSING_PARAMETER = re.compile(r"Missing required (query|header|path|cookie) parameter (['\"])(.+?)\2")


def _validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    problems: list[FieldProblem] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            problems.append(FieldProblem(pointer=_pointer(item.get("key"), item.get("source"), message),
                                         code=_classify(message, item.get("key"))))
    missing = None if problems else _MISSING_PARAMETER.match(str(exc.detail or ""))
    if missing:
        problems.append(FieldProblem(pointer=_pointer(missing.group(3), missing.group(1), ""), code="required"))
    if not problems:
        # a body that is not JSON at all never reached field validation
        return problem(request, "validation.body_malformed", 400)
    return problem(request, "validation.failed", 422, errors=problems)


_HTTP_CODES = {401: "auth.unauthenticated", 403: "auth.forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "request.too_large", 429: "rate_limited"}


def _http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    # a bare 400 from the framework means the body could not be decoded (truncated or malformed JSON)
    code = _HTTP_CODES.get(status, "validation.body_malformed" if status == 400 else
                           ("validation.failed" if 400 <= status < 500 else "internal"))
    return problem(request, code, status, headers=dict(exc.headers or {}))


def _internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if database_lost(exc):
        return _database_unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, "internal", HTTP_500_INTERNAL_SERVER_ERROR)


DATABASE_RETRY_AFTER_S = 3  # a terminated backend or a pool refilled after a restart answers again within seconds
# asyncpg's own errors for a connection that is gone or cannot be had (report registration talks to the driver
# directly, so these reach the handler unwrapped): a terminated backend, a server shutting down or starting up,
# every connection slot taken
_DRIVER_LOST = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
                asyncpg.exceptions.InsufficientResourcesError)
# the packages whose exceptions wrap the database connection's (SQLAlchemy's, its dialects' adapted DBAPI errors)
_DATABASE_LAYERS = ("sqlalchemy.", "asyncpg.", "sqlite3", "aiosqlite.")
_CONNECTION_CLOSED = "connection is closed"
_SQLITE_BUSY = "database is locked"  # embedded mode: another writer held the file past the busy timeout


def database_lost(exc: BaseException) -> bool:
    """The request failed because the database connection was lost or could not be had, not because of what it
    asked: its transaction did not commit (one lost during COMMIT may have: the same request, retried with its
    Idempotency-Key, is answered from what was kept and stored once)."""
    for cause in causes(exc):
        if isinstance(cause, sa_exc.DBAPIError) and (cause.connection_invalidated or _SQLITE_BUSY in str(cause)):
            return True
        # the pool's checkout timed out (every connection busy); the driver's connection lost or refused (asyncpg
        # raises the socket's ConnectionRefusedError as it is: nothing else here talks to a socket unwrapped)
        if isinstance(cause, (sa_exc.TimeoutError, ConnectionError, *_DRIVER_LOST)):
            return True
        # a statement on an asyncpg connection already closed (intake's registration uses it unwrapped), told by
        # the words SQLAlchemy's asyncpg dialect tells that disconnect by
        if isinstance(cause, asyncpg.InterfaceError) and _CONNECTION_CLOSED in str(cause):
            return True
        # asyncpg's connect timed out (backend/db.py's connect timeout: a host that drops packets): it raises
        # asyncio's TimeoutError, as any other code may, so only where it was raised tells it is the database's
        if isinstance(cause, TimeoutError) and raised_in(cause, "asyncpg."):
            return True
        # down the causes of the database layers' own errors only: redis-py and httpx raise theirs from the
        # socket's ConnectionError too, and a Redis or partner outage is not the database's
        if not type(cause).__module__.startswith(_DATABASE_LAYERS):
            return False
    return False


def raised_in(exc: BaseException, *packages: str) -> bool:
    """Was `exc` raised in (or passed through) code of these packages ("asyncpg.")? For the exceptions a driver
    raises as they are (asyncio's TimeoutError, the socket's errors), which say nothing of whose they are."""
    return any(str(frame.f_globals.get("__name__", "")).startswith(packages)
               for frame, _ in traceback.walk_tb(exc.__traceback__))


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it was raised from (`__cause__`), and so on; each once, should a chain loop."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__


def brief(exc: BaseException) -> str:
    """An exception on one log line, for a warning that has no traceback: its type and the first line of its text
    (a driver's message may run over several lines, quoting the statement)."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def _database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """503 with Retry-After instead of a 500: the citizen's app is told to send the same request again, not that the
    server broke (nor, as the internal error says, that what they sent was kept: it was not)."""
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                brief(exc))
    answer = problem(request, "database.unavailable", HTTP_503_SERVICE_UNAVAILABLE,
                     headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)})
    undo: Callable[[], Awaitable[None]] | None = request.state.get(_UNDO_IF_LOST)
    if undo is not None:
        # an exception handler cannot await: it runs right after the answer is written, in the same task. A Redis
        # DEL is then on its way before the client can have read the answer; a database DELETE, which takes a
        # connection first, is done well within Retry-After
        answer.background = BackgroundTask(undo)
    return answer


_UNDO_IF_LOST = "zan.undo_if_database_lost"


def undo_if_database_lost(request: Request[Any, Any, Any], undo: Callable[[], Awaitable[None]]) -> None:
    """Have `undo` run if this request is answered `database.unavailable`, i.e. nothing of it was kept: what it used
    up before its database was lost (a partner signature's claim) is given back, so the same request may be sent
    again. Only then: an answer that kept something, or refused the request for what it asked, undoes nothing.
    `undo` must not raise (it runs after the answer, where nobody could be told)."""
    request.state[_UNDO_IF_LOST] = undo


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    ZanError: _zan_error_handler,
    ValidationException: _validation_handler,
    NotFoundException: _http_handler,
    HTTPException: _http_handler,
    Exception: _internal_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "FieldProblem", "MediaType", "ZanError", "not_found", "problem"]
