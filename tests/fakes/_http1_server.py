"""A minimal HTTP/1.1 server on loopback (asyncio protocol + httptools), for fakes that must be cheap per request.

FakeFCM answers one request per push; on the 2-core bench machine its aiohttp server cost ~0.19 ms of CPU per
message, charged to the same cores as the sender it measures. This server does only what an HTTP/1.1 fake needs:
keep-alive, Content-Length and chunked request bodies, requests answered in order per connection (pipelining
included), a handler that returns a `Response` or a coroutine of one (for injected latency), one write per response.

    server = Http1Server(handler)        # handler(Request) -> Response | Awaitable[Response]
    base_url = server.start()            # binds 127.0.0.1:<free port>, serves from a daemon thread
    server.stop()
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httptools
import msgspec

from tests.fakes._loopback import ThreadedServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    query: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes
    http_version: str  # "1.1", "1.0"

    def json(self) -> Any:
        return msgspec.json.decode(self.body)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, msgspec.json.encode(data), headers or {})


Handler = Callable[[Request], "Response | Awaitable[Response]"]


class _Connection(asyncio.Protocol):
    def __init__(self, server: Http1Server) -> None:
        self._server = server
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._pending: deque[Request] = deque()  # pipelined requests waiting for the one being answered
        self._busy = False
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._server.connections.add(self)
        self._server.accepted += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._write(Response(400, b"bad request", content_type="text/plain"), keep_alive=False)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._url, self._headers, self._body = b"", {}, []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        path, _, query = self._url.decode("latin-1").partition("?")
        request = Request(self._parser.get_method().decode("ascii"), path, query, self._headers,
                          b"".join(self._body), self._parser.get_http_version())
        if self._busy:
            self._pending.append(request)
        else:
            self._handle(request)

    # answering, in order
    def _handle(self, request: Request) -> None:
        try:
            result = self._server.handler(request)
        except Exception as exc:  # a bug in the fake: answer 500 rather than hang the client
            result = Response(500, repr(exc).encode(), content_type="text/plain")
        if isinstance(result, Response):
            self._respond(request, result)
            return
        self._busy = True
        task = asyncio.ensure_future(result)
        task.add_done_callback(lambda done: self._finished(request, done))

    def _finished(self, request: Request, task: asyncio.Future[Response]) -> None:
        self._busy = False
        if task.cancelled():  # server stopping
            return
        error = task.exception()
        self._respond(request, task.result() if error is None else Response(500, repr(error).encode()))
        while self._pending and not self._busy:
            self._handle(self._pending.popleft())

    def _respond(self, request: Request, response: Response) -> None:
        keep_alive = request.http_version == "1.1" and request.headers.get("connection", "").lower() != "close"
        self._write(response, keep_alive)

    def _write(self, response: Response, keep_alive: bool) -> None:
        if self._transport is None:
            return
        reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Content-Type: {response.content_type}",
                 f"Content-Length: {len(response.body)}"]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        if not keep_alive:
            lines.append("Connection: close")
        self._transport.write("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + response.body)
        if not keep_alive:
            self._transport.close()


class Http1Server(ThreadedServer):
    """Serve `handler` on 127.0.0.1 from a daemon thread with its own event loop."""

    def __init__(self, handler: Handler, *, thread_name: str = "http1-fake") -> None:
        super().__init__()
        self.handler = handler
        self.thread_name = thread_name
        self.connections: set[_Connection] = set()
        self.accepted = 0  # connections accepted since start (keep-alive checks)
        self._server: asyncio.Server | None = None

    async def start_serving(self, sock: socket.socket) -> None:
        self._server = await asyncio.get_running_loop().create_server(lambda: _Connection(self), sock=sock,
                                                                      backlog=512)

    async def stop_serving(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for conn in list(self.connections):
            conn.close()
        await server.wait_closed()
