"""What every answer carries, whichever layer gives it: a request id, and the headers that keep browsers from
sniffing or storing what the API says.

- `X-Request-Id`: the id a proxy or a partner sent, when it is a short plain token, else a new one. It is in the
  answer and in every log line written while the request is served, so "a 500 at 14:02 on a report" in a partner's
  ticket finds its traceback among thousands of requests. An id is never trusted to say anything: it only names.
- `X-Content-Type-Options: nosniff` everywhere (a browser never reads a JSON answer or a served file as HTML).
- `Cache-Control: no-store` on the API's answers that do not say otherwise: they carry reports, names and places,
  which no browser cache or shared proxy should keep.

Two pieces, because the router's own answers (404, 405), the body limit's 413 and the CORS preflight never pass
through a route's middleware: the middleware sets the id for the log lines of a matched route, and the
`before_send` hook, which sees every answer, stamps the headers (with a fresh id where no route was matched).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, cast

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.lib.logging import REQUEST_ID, mask

REQUEST_ID_HEADER = "X-Request-Id"
# what proxies and tracing tools send (nginx's $request_id, UUIDs, "svc.req-42"): a token that cannot break a log
# line or a header, short enough to read out over the phone
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# where the middleware leaves the id it gave the request (the context variable outlives it in the task)
_SCOPE_KEY = "zan.request_id"


def _request_id(scope: Scope) -> str:
    """The incoming id if it is plain and carries no personal data (it is logged unmasked), else a new one."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"x-request-id":
            sent = value.decode("latin-1")
            if _PLAIN_ID.fullmatch(sent) and mask(sent) == sent:
                return sent
            break
    return uuid.uuid4().hex


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """The request's id, for every log line written while a route serves it (see the module docstring)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = _request_id(scope)
        cast("dict[str, Any]", scope)[_SCOPE_KEY] = request_id  # edge_headers then knows it is this request's
        token = REQUEST_ID.set(request_id)
        try:
            await app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)

    return middleware


async def edge_headers(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook: the request id and the security headers on every answer's head. A coroutine
    although it never awaits: Litestar runs a plain function hook in its thread pool, which cost two thread hand-offs
    per request (one per message sent) for a few dictionary lookups."""
    if message["type"] != "http.response.start" or scope["type"] != "http":
        return
    headers = MutableScopeHeaders.from_message(message)
    if REQUEST_ID_HEADER not in headers:
        request_id: str | None = cast("dict[str, Any]", scope).get(_SCOPE_KEY)
        if request_id is None:
            # an answer no route gave (a 404, a 405, a preflight): the server's access-log line, written as this
            # head is sent, must carry the id the client is given. Left set: under uvicorn each request has a task
            request_id = _request_id(scope)
            REQUEST_ID.set(request_id)
        headers[REQUEST_ID_HEADER] = request_id
    if "X-Content-Type-Options" not in headers:
        headers["X-Content-Type-Options"] = "nosniff"
    if "Cache-Control" not in headers and str(scope.get("path", "")).startswith("/api/"):
        headers["Cache-Control"] = "no-store"
