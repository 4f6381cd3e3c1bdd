"""HEAD answered as its GET is, without the body (RFC 9110 §9.3.2: a general-purpose server supports GET and HEAD).

Litestar routes a HEAD only to a handler declared for it, and every handler here is a GET: a monitor's or a load
balancer's `HEAD /health`, `curl -I`, a download manager asking a media link's size first, were answered 405. Around
the router, a HEAD now runs its GET (the same guards, signature check, audit and headers, `Content-Length` included)
and the body is dropped on the way out. The method the client sent stays readable (`sent_method`): a partner app signs
a HEAD as HEAD, and a GET's signature is not a HEAD's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

_SENT = "zan.sent_method"


def head_as_get(app: ASGIApp) -> ASGIApp:
    """`app` with a HEAD run as a GET whose body is not sent."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await app(scope, receive, send)
            return

        http = cast("dict[str, Any]", scope)

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.start":
                # the server sees HEAD again as the answer starts (the handler has answered by then): it then expects
                # no body, whatever Content-Length says
                http["method"] = "HEAD"
            elif message["type"] == "http.response.body":
                if message.get("more_body"):
                    return  # a streamed body's chunks (a media file): the end alone is sent, empty
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # the scope itself, not a copy: what the request's middleware leaves in it (its id) is read as its answer is
        # sent, by hooks that hold the server's scope
        http["method"], http[_SENT] = "GET", "HEAD"
        await app(scope, receive, headers_only)

    return handle


def sent_method(request: Request) -> str:  # type: ignore[type-arg]
    """The method the client sent: HEAD for a HEAD run as its GET, else the request's."""
    return str(request.scope.get(_SENT) or request.method)
